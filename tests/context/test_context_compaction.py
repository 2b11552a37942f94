"""History compaction with the summariser persona, through the Engine and the fake Ollama.

The summariser (my-summarizer on qwen3:4b) and the turn's model (qwen3:8b) are told apart
by the model each request names; what each received is checked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ingle.core.agent.approvals import FixedApprover
from ingle.core.backends.types import ChatMessage
from ingle.core.context.estimator import TokenEstimator
from ingle.core.context.plan_types import answer_reserve_for
from ingle.core.agent.engine import Engine
from ingle.core.agent.events import ContextPrepared, TurnEvent, TurnFinished
from ingle.core.context.prompt_builder import SUMMARY_INTRO
from ingle.memory.token_calibration import load_calibration
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply
from tests.git_env import make_repo

SUMMARY = "## Goal\n- Keep the stock counter right.\n\n## Open items\n- Restock at 20 units."


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"stock.py": "def restock():\n    return 10\n"})


@pytest.fixture
async def engine(repo: Path, fake_ollama: FakeOllama) -> AsyncIterator[Engine]:
    opened = Engine.open(repo)
    opened.add_files(["stock.py"])
    yield opened
    await opened.aclose()


def exchanges(count: int, chars: int = 1800) -> list[ChatMessage]:
    out = []
    for n in range(count):
        out.append(
            ChatMessage(
                role="user", content=f"Q{n}: " + f"how does stock {n} move? " * (chars // 48)
            )
        )
        out.append(
            ChatMessage(
                role="assistant", content=f"A{n}: " + f"it moves by step {n}. " * (chars // 42)
            )
        )
    return out


def answer(summary: str = SUMMARY):
    def respond(request) -> Reply:
        if request.json["model"] == "qwen3:4b":
            return Reply(text=summary)
        return Reply(text="Nothing to change.")

    return respond


async def run(engine: Engine, text: str) -> list[TurnEvent]:
    approver = FixedApprover(edits=True, shell=False, add_files=True)
    # Questions about the history: a reply without an edit answers them.
    return [event async for event in engine.run_turn(text, approver, mode="ask", gates="off")]


def chats(fake: FakeOllama, model: str) -> list[dict]:
    return [r.json for r in fake.requests_to("/api/chat") if r.json["model"] == model]


async def test_history_past_its_share_is_summarised_and_the_last_turns_stay(
    engine, fake_ollama
) -> None:
    history = exchanges(6)
    engine.session.history = list(history)
    fake_ollama.respond_with(answer())
    events = await run(engine, "now restock at 20")
    assert isinstance(events[-1], TurnFinished) and events[-1].ok

    # The summariser got the four older exchanges, not the last two, in its own persona.
    [summarising] = chats(fake_ollama, "qwen3:4b")
    assert (
        summarising["messages"][0]["content"]
        == engine.registry.get("my-summarizer").system_prompt()
    )
    request = summarising["messages"][-1]["content"]
    assert request.startswith("Summarise this conversation for compaction, in at most ")
    assert all(f"Q{n}:" in request and f"A{n}:" in request for n in range(4))
    assert "Q4:" not in request and "Q5:" not in request
    assert summarising["think"] is False and summarising["options"]["num_ctx"] == 8192

    # The turn's model got the summary, then the last two exchanges verbatim, then the ask.
    [turn] = chats(fake_ollama, "qwen3:8b")
    sent = [(m["role"], m["content"]) for m in turn["messages"]]
    at = sent.index(("user", f"{SUMMARY_INTRO}\n\n{SUMMARY}"))
    assert sent[at + 1 : at + 5] == [(m.role, m.content) for m in history[8:]]
    assert sent[at + 5 :] == [("user", "now restock at 20")]
    context = next(e for e in events if isinstance(e, ContextPrepared))
    assert (
        "history: 4 older turn(s) summarised by qwen3:4b; the last 2 stay verbatim"
        in context.decisions
    )

    # The session keeps the summary and the kept turns, then this turn.
    assert engine.session.history_summary == SUMMARY
    assert engine.session.history[:4] == history[8:]
    assert [m.content for m in engine.session.history[4:]] == [
        "now restock at 20",
        "Nothing to change.",
    ]


async def test_a_failed_summary_drops_the_oldest_turns_and_never_fails_the_turn(
    engine, fake_ollama
) -> None:
    del fake_ollama.models["qwen3:4b"]  # the summariser's model is missing: 404
    history = exchanges(6)
    engine.session.history = list(history)
    fake_ollama.respond_with(answer())
    events = await run(engine, "now restock at 20")
    assert events[-1].ok and events[-1].outcome == "answered"
    context = next(e for e in events if isinstance(e, ContextPrepared))
    failed = next(d for d in context.decisions if "summarising failed" in d)
    assert "qwen3:4b" in failed and "4 oldest turn(s) left out of this prompt" in failed
    [turn] = chats(fake_ollama, "qwen3:8b")
    contents = [m["content"] for m in turn["messages"]]
    assert history[0].content not in contents and history[8].content in contents
    # Nothing is lost: the session still has every turn, and no summary.
    assert engine.session.history[:12] == history and engine.session.history_summary == ""


async def test_compact_on_demand_keeps_the_last_exchange(engine, fake_ollama) -> None:
    history = exchanges(3, chars=300)
    engine.session.history = list(history)
    fake_ollama.respond_with(answer())
    result = await engine.compact()
    assert result.ok and result.summarised_turns == 2 and result.summary == SUMMARY
    assert engine.session.history == history[4:] and engine.session.history_summary == SUMMARY
    assert (
        result.message
        == "history: 2 older turn(s) summarised by qwen3:4b; the last 1 stay verbatim"
    )
    # Again, with nothing older than the last exchange: no model call, nothing changes.
    calls = len(fake_ollama.requests_to("/api/chat"))
    again = await engine.compact()
    assert again.ok and again.summarised_turns == 0 and again.message == "nothing to compact"
    assert len(fake_ollama.requests_to("/api/chat")) == calls
    # The next turn sends the summary before the kept exchange.
    await run(engine, "and now?")
    turn = chats(fake_ollama, "qwen3:8b")[-1]
    assert turn["messages"][-4]["content"] == f"{SUMMARY_INTRO}\n\n{SUMMARY}"


async def test_compact_on_demand_that_fails_changes_nothing(engine, fake_ollama) -> None:
    del fake_ollama.models["qwen3:4b"]
    history = exchanges(3, chars=300)
    engine.session.history = list(history)
    result = await engine.compact()
    assert not result.ok and "model 'qwen3:4b' not found" in result.error
    assert result.message.startswith("history: summarising failed (")
    assert result.message.endswith("nothing was changed")
    assert engine.session.history == history and engine.session.history_summary == ""


async def test_a_long_history_is_folded_in_chunks_that_fit_the_summarisers_window(
    repo, fake_ollama, ingle_home
) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[models."qwen3:4b"]\nnum_ctx = 2048\n')
    engine = Engine.open(repo)
    try:
        history = exchanges(5, chars=700)
        engine.session.history = list(history)
        summaries = iter(["first fold: stock moves", "second fold: stock moves more", "third fold"])
        fake_ollama.respond_with(
            lambda request: (
                Reply(text=next(summaries)) if request.json["model"] == "qwen3:4b" else None
            )
        )
        result = await engine.compact()
    finally:
        await engine.aclose()
    folds = chats(fake_ollama, "qwen3:4b")
    assert result.ok and result.summarised_turns == 4 and len(folds) >= 2
    assert (
        result.summary
        == ["first fold: stock moves", "second fold: stock moves more", "third fold"][
            len(folds) - 1
        ]
    )
    # Each fold carries the summary so far, and every request fits the 2048-token window.
    assert "Earlier summary:\nfirst fold: stock moves" in folds[1]["messages"][-1]["content"]
    with engine.store.__class__(engine.loaded.dirs.database) as store:
        estimator = TokenEstimator(load_calibration(store, "qwen3:4b"))
    for fold in folds:
        assert fold["options"]["num_ctx"] == 2048
        messages = [ChatMessage(role=m["role"], content=m["content"]) for m in fold["messages"]]
        assert estimator.messages_tokens(messages) + answer_reserve_for(2048, False) <= 2048
    # Every older message reached the summariser, whole.
    folded = "\n".join(f["messages"][-1]["content"] for f in folds)
    assert all(m.content.strip() in folded for m in history[:8])
