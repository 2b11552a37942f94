"""The idle gate's request rule, from real front ends: `ingle ask` and a batch turn against
the fake Ollama stamp the store; a gate in another Activity (a headless runner) reads it."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from ingle.core.activity import Activity
from ingle.core.config.jobs import JobSettings
from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.core.jobs.idle import ActivityGate
from ingle.core.workbench import Workbench
from ingle.memory.store import Store

from tests.fakes.clock import FakeClock
from tests.fakes.script import RecordedRequest, Reply
from tests.git_env import make_repo


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def runner_gate(ingle_home: Path) -> tuple[ActivityGate, FakeClock]:
    """The gate a headless `ingle jobs run` would hold: its own process's view of the store."""
    clock = FakeClock()
    store = Store(IngleDirs.from_env({"INGLE_HOME": str(ingle_home)}).database)
    return ActivityGate(JobSettings(request_quiet_s=60), Activity(store, clock), clock=clock), clock


class Held:
    """A responder that holds each chat request until released: a model still answering."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply
        self.arrived = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: RecordedRequest) -> Reply:
        self.arrived.set()
        self.release.wait(60)
        return self.reply


def test_ask_counts_as_an_interactive_request_while_and_after_it_runs(
    fake_ollama, ingle_home: Path
) -> None:
    held = Held(Reply(text="Use s[::-1]."))
    fake_ollama.respond_with(held)
    gate, clock = runner_gate(ingle_home)
    assert gate.state().rules["requests"] == "no interactive request yet"

    async def scenario() -> tuple[str, int]:
        asking = asyncio.create_task(asyncio.to_thread(main, ["ask", "How do I reverse s?"]))
        await asyncio.to_thread(held.arrived.wait, 60)
        during = gate.state()
        held.release.set()
        return during.reason, await asking

    reason, status = asyncio.run(scenario())
    assert status == 0
    assert reason == "waiting: an interactive request is in flight"
    clock.set(gate.activity.snapshot().last_request_at + 5)
    state = gate.state()
    assert not state.idle
    assert state.reason == "waiting: an interactive request finished 5 s ago (quiet after 60 s)"
    clock.advance(55)
    assert gate.state().idle


def test_a_batch_turn_counts_as_an_interactive_request(
    fake_ollama, ingle_home: Path, tmp_path: Path, gitconfig: Path
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"greet.py": 'def greet():\n    return "hi"\n'})
    held = Held(Reply(text="Louder.\n\ngreet.py\n```python\n<<<<<<< SEARCH\n    return \"hi\"\n"
                            "=======\n    return \"HI\"\n>>>>>>> REPLACE\n```\n"))
    fake_ollama.respond_with(held)
    gate, clock = runner_gate(ingle_home)

    async def scenario() -> tuple[bool, int]:
        turn = asyncio.create_task(asyncio.to_thread(
            main, ["--batch", "--repo", str(repo), "--gates", "off", "--yes", "-m",
                   "greet louder", "greet.py"]))
        await asyncio.to_thread(held.arrived.wait, 60)
        during = gate.state()
        held.release.set()
        return during.idle, await turn

    idle_during, status = asyncio.run(scenario())
    assert status == 0
    assert (repo / "greet.py").read_text() == 'def greet():\n    return "HI"\n'
    assert not idle_during
    clock.set(gate.activity.snapshot().last_request_at + 1)
    assert gate.state().rules["requests"].startswith("an interactive request finished 1 s ago")


def test_the_runners_own_calls_made_in_the_background_are_not_the_users(fake_ollama) -> None:
    fake_ollama.script(Reply(text="a job's answer"), Reply(text="the user's answer"))

    async def scenario() -> tuple[float | None, float | None]:
        workbench = Workbench.open()
        try:
            endpoint, request = workbench.caller.request_for(None, "hi", model="qwen3:8b")
            with workbench.activity.background():
                await workbench.caller.call_request(endpoint, request, persona=None,
                                                    task_kind="eval")
            after_job = workbench.activity.snapshot().last_request_at
            await workbench.caller.call_request(endpoint, request, persona=None, task_kind="ask")
            return after_job, workbench.activity.snapshot().last_request_at
        finally:
            await workbench.aclose()

    after_job, after_user = asyncio.run(scenario())
    assert after_job is None
    assert after_user is not None


async def test_an_mcp_tool_call_in_another_process_holds_jobs_back(
    fake_ollama, ingle_home: Path, tmp_path: Path
) -> None:
    from tests.frontends.mcp.test_mcp_server import mcp_session

    held = Held(Reply(text="The deploy failed.\n\n- SESSION_TTL was empty."))
    fake_ollama.respond_with(held)
    gate, clock = runner_gate(ingle_home)
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "stderr.log") as session:
        calling = asyncio.create_task(session.call_tool(
            "summarize", {"text": "A long incident note. " * 20, "max_words": 20}))
        await asyncio.to_thread(held.arrived.wait, 60)
        during = gate.state()  # the MCP server's stamps, read from the store
        held.release.set()
        result = await calling
    assert not result.is_error
    assert during.reason == "waiting: an interactive request is in flight"
    clock.set(gate.activity.snapshot().last_request_at + 2)
    assert gate.state().rules["requests"] == ("an interactive request finished 2 s ago "
                                              "(quiet after 60 s)")
