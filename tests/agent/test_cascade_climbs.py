"""A cascade that climbs instead of stopping: `ingle --batch` over the fake Ollama and
Anthropic servers on a real repository.

A rung whose window cannot hold the prompt is skipped with a one-line reason; a repeated
failure or a missing model moves to the next rung at once and the final message names
every model to pull; few-shot examples follow the repository's languages and shrink first
in a small window; the next turn starts on the persona's model; `--escalate always`
without a key stops and says to set ANTHROPIC_API_KEY.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.agent.engine import Engine
from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import make_repo

SOURCE = "def total(xs):\n    return sum(xs)\n"


def edit(search: str, replace: str) -> str:
    return f"calc.py\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


GOOD = edit("    return sum(xs)\n", "    return sum(xs) if xs else 0\n")
BAD = edit("    return total(xs)\n", "    return 0\n")  # SEARCH that is not in the file


def configure(home: Path, text: str) -> None:
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def turn_calls(fake) -> list[dict]:  # noqa: ANN001
    return [r.json for r in fake.requests if r.path == "/api/chat" and "format" not in r.json]


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"calc.py": SOURCE})


def test_a_rung_too_small_for_the_prompt_is_skipped_and_claude_is_tried(
    repo, fake_ollama, fake_anthropic, ingle_home, capsys
) -> None:
    configure(ingle_home, "[budget]\nrepairs_per_rung = 0\n")
    # Long failing replies: by rung 3 the turn's own exchange outgrows qwen3:14b's 4096.
    rambling = "Let me think about how the totals are computed here. " * 250 + BAD
    fake_ollama.respond_with(lambda request: Reply(text=rambling))
    fake_anthropic.script(Reply(text=GOOD))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 0
    assert (repo / "calc.py").read_text() == "def total(xs):\n    return sum(xs) if xs else 0\n"
    assert [r["model"] for r in turn_calls(fake_ollama)] == ["qwen3:8b", "qwen3:8b"]
    seen = events(capsys.readouterr().out)
    skipped = [e["message"] for e in seen if e["type"] == "notice" and "skipped" in e["message"]]
    assert len(skipped) == 1 and skipped[0].startswith(
        "rung 3 skipped: qwen3:14b's 4096-token window cannot hold the prompt (~"
    )
    assert seen[-1]["outcome"] == "committed"
    assert [e["model"] for e in seen if e["type"] == "attempt_started"][-1] == "claude-sonnet-4-6"
    # The next turn starts on the persona's model again, not on the rung that finished.
    assert seen[-1]["next_model"] == "qwen3:8b"


def test_the_same_failure_twice_climbs_at_once(repo, fake_ollama, ingle_home, capsys) -> None:
    configure(ingle_home, "[budget]\nrepairs_per_rung = 2\n")
    fake_ollama.respond_with(lambda request: Reply(text=BAD))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 1
    models = [(r["model"], r["think"]) for r in turn_calls(fake_ollama)]
    # Two identical failures per rung, not three.
    assert models == [("qwen3:8b", False), ("qwen3:8b", False), ("qwen3:8b", True),
                      ("qwen3:8b", True), ("qwen3:14b", True), ("qwen3:14b", True)]
    seen = events(capsys.readouterr().out)
    climbs = [e["reason"] for e in seen if e["type"] == "repair_requested" and "climbing" in e["reason"]]
    assert climbs and all(r.endswith("(the same failure twice)") for r in climbs)
    assert seen[-1]["outcome"] == "edits_failed"


def test_missing_models_move_on_at_once_and_are_named_to_pull(
    repo, fake_ollama, ingle_home, capsys
) -> None:
    configure(ingle_home, "[budget]\nrepairs_per_rung = 2\n")
    del fake_ollama.models["qwen3:8b"]
    del fake_ollama.models["qwen3:14b"]
    fake_ollama.respond_with(lambda request: Reply(text=GOOD))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 1
    seen = events(capsys.readouterr().out)
    # One attempt per missing model: the rung with the same model is skipped, nothing repaired.
    assert [e["model"] for e in seen if e["type"] == "attempt_started"] == ["qwen3:8b", "qwen3:14b"]
    assert not [e for e in seen if e["type"] == "repair_requested"]
    assert any(e["type"] == "notice" and e["message"] == "rung 2 skipped: qwen3:8b is not installed"
               for e in seen)
    error = seen[-1]["error"]
    assert "Not installed: qwen3:8b, qwen3:14b. Pull them: ollama pull qwen3:8b; ollama pull qwen3:14b" in error


def test_a_missing_first_model_still_lands_on_the_next_that_is_there(
    repo, fake_ollama, ingle_home, capsys
) -> None:
    del fake_ollama.models["qwen3:8b"]
    fake_ollama.respond_with(lambda request: Reply(text=GOOD))
    assert batch(repo, "-m", "handle empty lists", "calc.py") == 0
    seen = events(capsys.readouterr().out)
    assert [e["model"] for e in seen if e["type"] == "attempt_started"] == ["qwen3:8b", "qwen3:14b"]
    final = seen[-1]
    assert final["outcome"] == "committed" and final["next_model"] == "qwen3:8b"


def test_examples_follow_the_repositorys_languages(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=GOOD))
    # my-coder's own examples are in Go and Java; this repository is Python.
    assert batch(repo, "--persona", "my-coder", "-m", "handle empty lists", "calc.py") == 0
    [request] = turn_calls(fake_ollama)
    examples = "\n".join(m["content"] for m in request["messages"][1:-1])
    assert "```go" not in examples and "```java" not in examples
    assert "app/pagination.py" in examples  # the library's Python example for code tasks


def test_examples_shrink_first_in_a_small_window(tmp_path, gitconfig, fake_ollama, capsys) -> None:
    repo = make_repo(tmp_path, gitconfig, {
        "calc.py": SOURCE, "server/main.go": "package main\n\nfunc main() {}\n",
    })
    fake_ollama.respond_with(lambda request: Reply(text=GOOD))
    assert batch(repo, "--persona", "my-generalist", "--no-commit", "-m", "handle empty lists",
                 "calc.py") == 0
    wide = events(capsys.readouterr().out)
    assert "```go" in "\n".join(m["content"] for m in turn_calls(fake_ollama)[0]["messages"][1:-1])
    assert not any("examples:" in d for e in wide if e["type"] == "context_prepared" for d in e["decisions"])
    (repo / "calc.py").write_text(SOURCE)
    assert batch(repo, "--persona", "my-generalist", "--no-commit", "--model", "qwen3:14b",
                 "-m", "handle empty lists", "calc.py") == 0
    small = [e for e in events(capsys.readouterr().out) if e["type"] == "context_prepared"][0]
    assert "examples: 1 of 2 kept for qwen3:14b's 4096-token window" in small["decisions"]


def test_escalate_always_without_a_key_stops_and_says_to_set_it(repo, fake_ollama, capsys) -> None:
    assert batch(repo, "--escalate", "always", "-m", "handle empty lists", "calc.py") == 2
    assert turn_calls(fake_ollama) == []  # the local model is not run instead
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "claude_unavailable" and not final["ok"]
    assert "no ANTHROPIC_API_KEY is set. Set it" in final["error"]


async def test_the_engine_says_why_escalation_cannot_run(repo, fake_anthropic, monkeypatch) -> None:
    engine = Engine.open(repo)
    try:
        assert engine.escalation_refusal() == ""
    finally:
        await engine.aclose()
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    engine = Engine.open(repo)
    try:
        assert "Set it (export ANTHROPIC_API_KEY=" in engine.escalation_refusal()
    finally:
        await engine.aclose()
