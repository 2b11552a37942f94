"""The context budget in real turns (`ingle --batch` and the Engine over the fake Ollama):
no request ever exceeds its model's num_ctx, climbs are planned for the smaller window,
an impossible fit stops before any call with advice, and `/tokens` shows the breakdown.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ingle.core.backends.types import ChatMessage
from ingle.core.frontends.cli import main
from ingle.core.config.loader import load_config
from ingle.core.context.estimator import TokenEstimator, prior
from ingle.core.context.plan_types import answer_reserve_for
from ingle.core.agent.engine import Engine
from ingle.memory.store import Store
from ingle.memory.token_calibration import load_calibration
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply
from tests.git_env import git, make_repo
from tests.context.test_context_planner import big_module

RESTOCK = "        supplier.order(item.sku, 10 - item.count)\n"
GOOD = f"src/big.py\n```python\n<<<<<<< SEARCH\n{RESTOCK}=======\n{RESTOCK.replace('10', '20')}>>>>>>> REPLACE\n```\n"
BAD = "src/big.py\n```python\n<<<<<<< SEARCH\n    no such line\n=======\n    x = 1\n>>>>>>> REPLACE\n```\n"
CLIMB_TO_14B = """
[budget]
repairs_per_rung = 0
[cascade]
rung_timeout_s = 5
[[cascade.ladders.code]]
model = "persona"
think = "off"
[[cascade.ladders.code]]
model = "qwen3:14b"
think = "off"
"""


TINY_PERSONA = """
name = "tiny-coder"
description = "A persona with a short prompt, so a test controls the sizes."
base_model = "qwen3:8b"
task_kinds = ["code"]
think = { first = "off", retry = "off" }
role = "You edit code with SEARCH/REPLACE blocks."
"""


def add_tiny_persona(home: Path) -> None:
    """A persona with a few words of prompt and no examples: the test controls the sizes."""
    personas = home / "config" / "personas"
    personas.mkdir(parents=True, exist_ok=True)
    (personas / "tiny-coder.toml").write_text(TINY_PERSONA)


def configure(home: Path, text: str) -> None:
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def chat_bodies(fake: FakeOllama) -> list[dict]:
    return [r.json for r in fake.requests_to("/api/chat")]


def calibrated(model: str) -> TokenEstimator:
    with Store(load_config().dirs.database) as store:
        return TokenEstimator(load_calibration(store, model) or prior(model))


def received_tokens(body: dict, estimator: TokenEstimator) -> int:
    messages = [ChatMessage(role=m["role"], content=m["content"]) for m in body["messages"]]
    return estimator.messages_tokens(messages)


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    files = {"src/big.py": big_module(), "notes.txt": "a long note line\n" * 1200}
    files |= {f"src/mod{n}.py": f"def helper_{n}(x):\n    return x + {n}\n" for n in range(8)}
    return make_repo(tmp_path, gitconfig, files)


def test_every_request_fits_its_rungs_window_across_a_climb(
    repo, fake_ollama, ingle_home, capsys
) -> None:
    # The router keeps qwen3:14b on the ladder (the prompt as the turn starts fits its 4K
    # window), but the climb's repair adds the failed reply and what went wrong.
    add_tiny_persona(ingle_home)
    configure(ingle_home, CLIMB_TO_14B)
    (repo / "src/big.py").write_text(big_module(45))
    git(repo, "commit", "-qam", "more steps")
    fake_ollama.script(Reply(text=BAD), Reply(text=GOOD))
    instruction = "Make restock order 20 units instead of 10"
    assert batch(repo, "--persona", "tiny-coder", "-m", instruction, "src/big.py") == 0
    assert "20 - item.count" in (repo / "src/big.py").read_text()

    # Every request, the commit message's too, fits its model's window.
    for body in chat_bodies(fake_ollama):
        num_ctx = body["options"]["num_ctx"]
        used = received_tokens(body, calibrated(body["model"]))
        assert used + answer_reserve_for(num_ctx, body.get("think")) <= num_ctx
    bodies = [b for b in chat_bodies(fake_ollama) if b["model"] in ("qwen3:8b", "qwen3:14b")]
    assert [(b["model"], b["options"]["num_ctx"]) for b in bodies] == [
        ("qwen3:8b", 16384),
        ("qwen3:14b", 4096),
    ]
    seen = events(capsys.readouterr().out)
    assert not any(e["type"] == "model_finished" and e["usage"]["truncated"] for e in seen)
    contexts = [e for e in seen if e["type"] == "context_prepared"]
    assert [c["num_ctx"] for c in contexts] == [16384, 4096]
    # The 8B saw the whole file and the repo map; the climb to the 14B's 4K window dropped
    # the map and windowed the file to the function the instruction names.
    assert "Repository map" in bodies[0]["messages"][0]["content"]
    assert big_module(45) in bodies[0]["messages"][0]["content"]
    second = contexts[1]["decisions"]
    assert second[0].startswith("qwen3:14b: 4096-token window, 1024 kept for the answer")
    assert any(d.startswith("src/big.py windowed to 1 function (restock)") for d in second)
    assert "Repository map" in bodies[1]["messages"][0]["content"]  # the room left went to it
    system = bodies[1]["messages"][0]["content"]
    assert "def step_07(items, limit=7):\n    # ... (lines " in system  # signature, body hidden
    assert "total += item.count * 8" not in system and RESTOCK in system
    assert bodies[1]["messages"][-1]["content"].startswith("Your edits were NOT applied")
    assert sum(contexts[1]["sections"].values()) <= 4096 - 1024


def test_a_prompt_too_big_for_the_window_stops_before_any_call(
    repo, fake_ollama, ingle_home, capsys
) -> None:
    configure(
        ingle_home,
        '[models."qwen2.5-coder:7b"]\nnum_ctx = 65536\n[roles]\nwriting = "qwen2.5-coder:7b"\n',
    )
    (repo / "notes.txt").write_text("a long note line\n" * 3500)
    git(repo, "commit", "-qam", "longer notes")
    assert batch(repo, "-m", "tidy the notes", "notes.txt", "src/mod1.py") == 1
    assert chat_bodies(fake_ollama) == []  # no model call at all
    seen = events(capsys.readouterr().out)
    final = seen[-1]
    assert final["type"] == "turn_finished" and final["outcome"] == "context_overflow"
    assert not final["ok"] and final["prompt_tokens"] == 0
    advice = final["error"]
    assert "qwen3:8b's 16384-token window" in advice
    assert "Largest files in the chat: notes.txt (~17000 tokens), src/mod1.py" in advice
    assert "Or use qwen2.5-coder:7b, which holds 65536 tokens" in advice
    assert "(in batch mode: --model qwen2.5-coder:7b)" in advice
    assert git(repo, "status", "--porcelain") == ""
    # The advice works: the larger-context model takes the same request.
    fake_ollama.script(Reply(text="The notes are tidy already."))
    assert (
        batch(
            repo, "--model", "qwen2.5-coder:7b", "--ask", "-m", "tidy the notes", "notes.txt",
            "src/mod1.py",
        )
        == 0
    )
    assert chat_bodies(fake_ollama)[0]["options"]["num_ctx"] == 32768  # capped: trained length


def test_the_router_sends_a_long_prompt_to_the_larger_window(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text="Looks fine."))
    assert batch(repo, "--persona", "my-architect", "--ask", "-m", "review the design", "src/big.py") == 0
    seen = events(capsys.readouterr().out)
    started = next(e for e in seen if e["type"] == "attempt_started")
    assert started["model"] == "qwen3:8b"  # the architect's 14B holds only 4096
    assert any(
        e["type"] == "notice"
        and e["message"].startswith("qwen3:14b holds 4096 tokens, the prompt needs ~")
        for e in seen
    )


def test_the_model_may_ask_for_the_lines_a_window_hid(
    repo, fake_ollama, ingle_home, capsys
) -> None:
    # A window the file needs windowing in at the prior estimate (3.5 characters a token),
    # but fits whole in once the first call has calibrated it (the fake counts about 4).
    add_tiny_persona(ingle_home)
    configure(ingle_home, '[models."qwen3:8b"]\nnum_ctx = 3480\n[budget]\nrepairs_per_rung = 1\n')
    fake_ollama.script(
        Reply(text="I need to see lines 4-361 of src/big.py before I can change it."),
        Reply(text=GOOD),
    )
    args = (
        "--persona",
        "tiny-coder",
        "-m",
        "Make restock order 20 units instead of 10",
        "src/big.py",
    )
    assert batch(repo, *args) == 0
    first, second = [b for b in chat_bodies(fake_ollama) if b["model"] == "qwen3:8b"]
    assert "not shown: ask for them" in first["messages"][0]["content"]
    assert big_module() in second["messages"][0]["content"]  # the whole file, as asked
    seen = events(capsys.readouterr().out)
    repair = next(e for e in seen if e["type"] == "repair_requested")
    assert repair["reason"] == "whole file asked for" and "src/big.py" in repair["message"]
    for body in (first, second):
        assert (
            received_tokens(body, calibrated("qwen3:8b")) + answer_reserve_for(3480, False) <= 3480
        )


def test_token_breakdown_shows_what_the_next_turn_would_send(repo, fake_ollama) -> None:
    async def breakdown():
        engine = Engine.open(repo)
        try:
            engine.add_files(["src/big.py"])
            engine.session.history = [
                ChatMessage(role="user", content="why is stock low?"),
                ChatMessage(role="assistant", content="step 3 double counts"),
            ]
            return await asyncio.to_thread(engine.token_breakdown)
        finally:
            await engine.aclose()

    shown = asyncio.run(breakdown())
    assert shown.model == "qwen3:8b" and shown.num_ctx == 16384 and shown.fits
    assert shown.used == sum(shown.sections.values())
    assert shown.sections["files"] > 2000 and shown.sections["history"] > 0
    assert shown.sections["repo_map"] > 0 and shown.answer_reserve == 4096
    assert shown.free == 16384 - shown.used - 4096 - shown.margin_tokens > 0
    text = shown.lines()
    assert text[0].startswith(f"qwen3:8b: ~{shown.used} of 16384 tokens (")
    assert any(line.split() == ["files", str(shown.sections["files"])] for line in text)
    assert "chars/token (prior, not yet calibrated)" in "\n".join(text)
