"""The cascade: rung 1 local and fast, climb on failure, Claude last, every token recorded.

Scenarios run `ingle --batch` over the fake Ollama and fake Anthropic servers against a
real repository, and check what each server received.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.config.loader import load_config
from ingle.core.routing.router import ClaudeAccess, RouteRequest, route
from ingle.core.routing.vram import VramView
from ingle.memory.call_log import CallRecord, record_call
from ingle.memory.store import Store
from ingle.personas.registry import load_registry
from tests.fakes.script import Reply
from tests.git_env import make_repo

GB = 1024**3
SOURCE = "def total(xs):\n    return sum(xs)\n"


def edit(search: str, replace: str) -> str:
    return f"calc.py\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


GOOD = edit("    return sum(xs)\n", "    return sum(xs) if xs else 0\n")
BAD = edit("    return total(xs)\n", "    return 0\n")  # SEARCH that is not in the file


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path, ingle_home: Path) -> Path:
    root = make_repo(tmp_path, gitconfig, {"calc.py": SOURCE})
    # Climb on the first failure so each rung is one attempt: easier to script.
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[budget]\nrepairs_per_rung = 0\n[cascade]\nrung_timeout_s = 5\n")
    return root


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def chat_requests(fake) -> list[dict]:  # noqa: ANN001
    """The turn's attempts (not the commit-message call, which asks for a JSON schema)."""
    return [r.json for r in fake.requests if r.path == "/api/chat" and "format" not in r.json]


def test_success_on_the_first_rung_is_fast_and_local(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=GOOD))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 0
    [request] = chat_requests(fake_ollama)
    assert request["model"] == "qwen3:8b" and request["think"] is False
    attempts = [e for e in events(capsys.readouterr().out) if e["type"] == "attempt_started"]
    assert [(a["rung"], a["think"]) for a in attempts] == [(1, "off")]


def test_a_failure_climbs_to_thinking_then_succeeds(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=BAD), Reply(text=GOOD, thinking="the SEARCH must match"))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 0
    first, second = chat_requests(fake_ollama)[:2]  # a third is the memory extraction
    assert (first["model"], first["think"]) == ("qwen3:8b", False)
    assert (second["model"], second["think"]) == ("qwen3:8b", True)
    assert "NOT applied" in second["messages"][-1]["content"]  # diagnostics carried forward
    with Store(Path(load_config().dirs.database)) as store:
        rows = store.db["model_calls"].rows_where("task_kind NOT IN ('commit_message', 'memory')",
                                                  order_by="id")
        outcomes = [r["outcome"] for r in rows]
    assert outcomes == ["escalated", "passed"]


def test_local_failures_end_on_claude_with_cost_recorded(
    repo, fake_ollama, fake_anthropic, capsys
) -> None:
    fake_ollama.respond_with(lambda request: Reply(text=BAD))
    fake_anthropic.script(Reply(text=GOOD, prompt_tokens=1000, output_tokens=200))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 0
    assert (repo / "calc.py").read_text() == "def total(xs):\n    return sum(xs) if xs else 0\n"
    models = [(r["model"], r["think"]) for r in chat_requests(fake_ollama)]
    assert models == [("qwen3:8b", False), ("qwen3:8b", True), ("qwen3:14b", True)]
    [claude] = [r.json for r in fake_anthropic.requests if r.path.endswith("/messages")]
    assert claude["model"] == "claude-sonnet-4-6"
    final = events(capsys.readouterr().out)[-1]
    # claude-sonnet-4-6 at $3 in / $15 out per million tokens
    assert final["cost_usd"] == pytest.approx(1000 * 3e-6 + 200 * 15e-6)

    assert main(["stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["turns"] == 1 and stats["turns_finished_locally"] == 0
    assert stats["claude_cost_usd"] == pytest.approx(0.006)


def test_the_daily_cap_stops_escalation_with_a_clear_message(
    repo, fake_ollama, fake_anthropic, capsys
) -> None:
    settings = load_config().settings
    with Store(load_config().dirs.database) as store:
        record_call(
            store,
            CallRecord(started_at=time.time(), endpoint="claude", backend="anthropic",
                       model="claude-sonnet-4-6", request_json="{}", cost_usd=settings.claude.daily_cap_usd),
        )
    fake_ollama.respond_with(lambda request: Reply(text=BAD))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 1
    assert not [r for r in fake_anthropic.requests if r.path.endswith("/messages")]
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "edits_failed"
    assert "Claude was not tried: Claude's daily cap is reached" in final["error"]
    assert (repo / "calc.py").read_text() == SOURCE


def test_local_only_content_never_reaches_claude(repo, fake_ollama, fake_anthropic, capsys) -> None:
    (repo / ".ingle.toml").write_text("[cascade]\nlocal_only = true\n")
    fake_ollama.respond_with(lambda request: Reply(text=BAD))
    assert batch(repo, "-m", "SECRET-BUSINESS-LOGIC", "calc.py") == 1
    assert fake_anthropic.requests == []
    assert "this repository is local-only" in events(capsys.readouterr().out)[-1]["error"]


def test_escalate_never_and_always(repo, fake_ollama, fake_anthropic, capsys) -> None:
    fake_ollama.respond_with(lambda request: Reply(text=BAD))
    assert batch(repo, "--escalate", "never", "-m", "x", "calc.py") == 1
    assert fake_anthropic.requests == []
    fake_anthropic.script(Reply(text=GOOD))
    before = len(chat_requests(fake_ollama))
    assert batch(repo, "--escalate", "always", "-m", "x", "calc.py") == 0
    assert len(chat_requests(fake_ollama)) == before  # no local call at all
    assert len([r for r in fake_anthropic.requests if r.path.endswith("/messages")]) == 1


def test_a_stalled_stream_times_out_and_climbs(repo, fake_ollama, capsys, ingle_home) -> None:
    config = ingle_home / "config" / "config.toml"
    config.write_text("[budget]\nrepairs_per_rung = 0\n[cascade]\nrung_timeout_s = 1\n")
    fake_ollama.script(Reply(text=GOOD, stall_after=2), Reply(text=GOOD))
    started = time.monotonic()
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 0
    assert time.monotonic() - started < 20
    seen = events(capsys.readouterr().out)
    repair = next(e for e in seen if e["type"] == "repair_requested")
    assert "timed out" in repair["reason"]
    assert [a["think"] for a in seen if a["type"] == "attempt_started"] == ["off", "on"]


# -- routing decisions, without servers ---------------------------------------------------


def _request(**overrides) -> RouteRequest:  # noqa: ANN003
    registry = load_registry(None)
    values = dict(kind="code", persona=registry.get("my-coder"), claude=ClaudeAccess(False, "no key"))
    values.update(overrides)
    return RouteRequest(**values)


def test_default_code_ladder_follows_the_plan() -> None:
    settings = load_config().settings
    decided = route(settings, _request(claude=ClaudeAccess(True)))
    assert [(r.model, r.think) for r in decided.rungs] == [
        ("qwen3:8b", False), ("qwen3:8b", True), ("qwen3:14b", True), ("claude-sonnet-4-6", False),
    ]
    architecture = route(settings, _request(kind="architecture"))
    assert [(r.model, r.think) for r in architecture.rungs] == [("qwen3:14b", False), ("qwen3:14b", True)]
    assert "no key" in architecture.claude_withheld


def test_model_override_sets_only_the_first_rung() -> None:
    decided = route(load_config().settings, _request(model_override="qwen2.5-coder:7b"))
    assert decided.rungs[0].model == "qwen2.5-coder:7b"
    assert decided.rungs[1].model == "qwen3:8b"


def test_vram_rule_picks_8b_when_14b_would_not_fit() -> None:
    settings = load_config().settings
    view = VramView(total_bytes=8 * GB, sizes={"qwen3:14b": int(9.3 * GB), "qwen3:8b": int(5.2 * GB)})
    decided = route(settings, _request(kind="architecture", vram=view))
    assert {r.model for r in decided.rungs} == {"qwen3:8b"}
    assert any("does not fit in VRAM" in note for note in decided.notes)
    roomy = VramView(total_bytes=24 * GB, sizes=view.sizes)
    assert route(settings, _request(kind="architecture", vram=roomy)).rungs[0].model == "qwen3:14b"


def test_long_context_goes_to_the_model_with_room() -> None:
    decided = route(load_config().settings, _request(kind="architecture", prompt_tokens=6000))
    assert decided.rungs[0].model == "qwen3:8b"
    assert any("holds 4096 tokens" in note for note in decided.notes)


def test_the_loaded_model_is_preferred_when_two_would_do() -> None:
    settings = load_config().settings
    sizes = {"qwen3:8b": int(5.2 * GB), "qwen2.5-coder:7b": int(4.7 * GB)}
    view = VramView(total_bytes=12 * GB, sizes=sizes, loaded={"qwen2.5-coder:7b": int(4.7 * GB)})
    decided = route(settings, _request(vram=view))
    assert decided.rungs[0].model == "qwen2.5-coder:7b"
    assert any("already loaded" in note for note in decided.notes)
    nothing_loaded = view.model_copy(update={"loaded": {}})
    assert route(settings, _request(vram=nothing_loaded)).rungs[0].model == "qwen3:8b"


def test_the_classifier_picks_the_ladder_and_an_unsure_answer_skips_rung_1(
    repo, fake_ollama, capsys, ingle_home
) -> None:
    config = ingle_home / "config" / "config.toml"
    config.write_text("[cascade]\nclassify_tasks = true\n")
    complex_code = '{"label": "code", "complexity": "high", "confidence": 0.9, "reason": "big"}'
    fake_ollama.script(Reply(text=complex_code), Reply(text=GOOD))
    assert batch(repo, "-m", "redesign the whole module", "calc.py") == 0
    route_call, attempt = [r.json for r in fake_ollama.requests if r.path == "/api/chat"][:2]
    assert route_call["model"] == "qwen3:4b" and route_call["format"]["properties"]["label"]["enum"]
    assert (attempt["model"], attempt["think"]) == ("qwen3:14b", False)  # the architecture ladder
    notes = [e["message"] for e in events(capsys.readouterr().out) if e["type"] == "notice"]
    assert any("classified as code (high complexity" in n for n in notes)

    unsure = '{"label": "code", "complexity": "low", "confidence": 0.3, "reason": "vague"}'
    before = len([r for r in fake_ollama.requests if r.path == "/api/chat"])
    fake_ollama.script(Reply(text=unsure), Reply(text=GOOD.replace("if xs else 0", "or 0")))
    (repo / "calc.py").write_text(SOURCE)
    assert batch(repo, "-m", "hmm", "calc.py") == 0
    attempt = [r.json for r in fake_ollama.requests if r.path == "/api/chat"][before + 1]
    assert (attempt["model"], attempt["think"]) == ("qwen3:8b", True)  # rung 1 skipped
    assert any("unsure" in e["message"] for e in events(capsys.readouterr().out) if e["type"] == "notice")
