"""The real idle gate driving the real job runner against the fake Ollama: the runner's own
model calls do not hold it back, and a key press in the app pauses the step in flight."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ingle.core.jobs.events import RunnerPaused
from ingle.core.jobs.executor import LocalExecutor
from ingle.core.jobs.idle import ActivityGate
from ingle.core.jobs.runner import JobRunner
from ingle.core.jobs.service import JobsService
from ingle.core.workbench import Workbench
from ingle.memory import jobs as q
from tests.evals.helpers import by_prompt
from tests.fakes.clock import FakeClock
from tests.fakes.script import RecordedRequest, Reply
from tests.jobs.helpers import write_basic_suite

ANSWERS = {"France": "Paris", "number 42": "It is 42."}


@pytest.fixture
def suite(ingle_home: Path) -> None:
    write_basic_suite(ingle_home)


async def test_a_job_runs_through_the_real_gate_without_counting_as_the_user(
    fake_ollama, suite
) -> None:
    fake_ollama.respond_with(by_prompt(ANSWERS))
    wb = Workbench.open(None)
    try:
        job_id = await JobsService(wb).add("eval", {"suite": "basic", "models": ["qwen3:8b"]})
        gate = ActivityGate.for_workbench(wb)
        summary = await JobRunner(wb, gate, LocalExecutor(wb)).run(once=True)
        after = gate.state()
        status = q.get_job(wb.store, job_id).status
    finally:
        await wb.aclose()
    assert summary.stopped == "nothing left to run"
    assert summary.steps_done == 4 and status == "done"
    assert after.idle
    assert after.rules["requests"] == "no interactive request yet"  # four calls, none the user's


async def test_a_key_press_in_the_app_pauses_the_step_in_flight(fake_ollama, suite) -> None:
    seen = asyncio.Event()
    loop = asyncio.get_running_loop()

    def respond(request: RecordedRequest) -> Reply:
        loop.call_soon_threadsafe(seen.set)
        return Reply(text="Paris", stall_after=1)  # a long generation, still going

    fake_ollama.respond_with(respond)
    clock = FakeClock()
    wb = Workbench.open(None, clock=clock)
    try:
        job_id = await JobsService(wb).add(
            "eval", {"suite": "basic", "models": ["qwen3:8b"], "limit": 1, "samples": 1})
        wb.activity.open_app()  # the app is open, and untouched for five minutes
        clock.advance(300)
        gate = ActivityGate.for_workbench(wb)
        async with wb.bus.subscribe(RunnerPaused) as paused:
            task = asyncio.create_task(JobRunner(wb, gate, LocalExecutor(wb)).run(once=True))
            await seen.wait()
            wb.activity.stamp_input("key")  # what the app does on every key event
            summary = await asyncio.wait_for(task, timeout=60)
            event = paused.get_nowait()
        assert await asyncio.to_thread(fake_ollama.disconnect_seen.wait, 60)
        (step,) = q.steps_of(wb.store, job_id)
    finally:
        await wb.aclose()
    assert event.reason == "waiting: a key was pressed 0 s ago (idle after 120 s)"
    assert summary.stopped == event.reason
    assert step.status == "queued" and step.attempts == 0
    assert summary.requeued == [step.id]
