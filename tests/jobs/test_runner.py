"""The job runner against the fake Ollama: eval jobs, pause with the request closed and the
step put back, job-only models unloaded, dead runners' and expired leases, schedules."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from ingle.core.jobs.events import JobFinished, RunnerPaused
from ingle.core.jobs.executor import LocalExecutor
from ingle.core.jobs.runner import JobRunner
from ingle.core.jobs.service import JobsService
from ingle.core.workbench import Workbench
from ingle.memory import evals as erows
from ingle.memory import jobs as q
from tests.evals.helpers import by_prompt
from tests.fakes.script import RecordedRequest, Reply
from tests.jobs.helpers import FakeClock, SwitchGate, write_basic_suite

ANSWERS = {"France": "Paris", "number 42": "It is 42."}


@pytest.fixture
def suite(ingle_home: Path) -> None:
    write_basic_suite(ingle_home)


async def _add(wb: Workbench, kind: str = "eval", clock=None, **params) -> int:
    service = JobsService(wb, clock) if clock else JobsService(wb)
    return await service.add(kind, params or {"suite": "basic", "models": ["qwen3:8b"]})


async def test_an_eval_job_runs_every_sample_once_and_closes_the_run(fake_ollama, suite):
    fake_ollama.respond_with(by_prompt(ANSWERS))
    wb = Workbench.open(None)
    try:
        job_id = await _add(wb, suite="basic", models=["qwen3:8b", "qwen3:4b"])
        async with wb.bus.subscribe(JobFinished) as finished:
            summary = await JobRunner(wb, SwitchGate(), LocalExecutor(wb)).run(once=True)
            event = finished.get_nowait()
        job = q.get_job(wb.store, job_id)
        run = erows.get_run(wb.store, job.result["run_id"])
        samples = erows.samples_of(wb.store, run.id)
    finally:
        await wb.aclose()
    assert summary.steps_done == 8 and summary.jobs_finished == [job_id]
    assert (event.job_id, event.status) == (job_id, "done")
    assert job.status == "done" and run.status == "done"
    assert len(samples) == 8 == len(fake_ollama.requests_to("/api/chat"))
    assert {s.output for s in samples} == {"Paris", "It is 42."}


async def test_the_user_returning_closes_the_request_requeues_and_unloads(fake_ollama, suite):
    fake_ollama.models["qwen3:14b"].loaded = True  # the user's own model
    seen = asyncio.Event()
    loop = asyncio.get_running_loop()

    def respond(request: RecordedRequest) -> Reply:
        loop.call_soon_threadsafe(seen.set)
        return Reply(text="Paris", stall_after=1)  # a long generation, still going

    fake_ollama.respond_with(respond)
    wb = Workbench.open(None)
    gate = SwitchGate()
    try:
        job_id = await _add(wb, suite="basic", models=["qwen3:8b"], limit=1, samples=1)
        runner = JobRunner(wb, gate, LocalExecutor(wb))
        async with wb.bus.subscribe(RunnerPaused) as paused:
            task = asyncio.create_task(runner.run(once=True))
            await seen.wait()
            gate.busy("waiting: a key was pressed 0 s ago")
            summary = await task
            event = paused.get_nowait()
        # the fake saw its stream's connection closed: Ollama stops generating
        assert await asyncio.to_thread(fake_ollama.disconnect_seen.wait, 60)
        (step,) = q.steps_of(wb.store, job_id)
        assert step.status == "queued" and step.attempts == 0
        assert summary.requeued == [step.id] and event.requeued == [step.id]
        assert event.reason == "waiting: a key was pressed 0 s ago"
        assert summary.stopped == "waiting: a key was pressed 0 s ago"
        # only the job's model was unloaded, with keep_alive 0; the user's stays loaded
        unloads = [r.json for r in fake_ollama.requests_to("/api/chat")
                   if r.json.get("messages") == []]
        assert unloads == [{"model": "qwen3:8b", "messages": [], "keep_alive": 0}]
        assert event.unloaded == ["qwen3:8b@local"]
        assert fake_ollama.models["qwen3:14b"].loaded and not fake_ollama.models["qwen3:8b"].loaded
        # back to idle: the step runs again, once, and the job finishes
        fake_ollama.respond_with(by_prompt(ANSWERS))
        gate.idle()
        await JobRunner(wb, gate, LocalExecutor(wb)).run(once=True)
        (step,) = q.steps_of(wb.store, job_id)
        assert step.status == "done" and step.attempts == 1
        assert q.get_job(wb.store, job_id).status == "done"
        asked = [r for r in fake_ollama.requests_to("/api/chat") if r.json.get("messages")]
        assert len(asked) == 2  # the closed request and its one re-run
    finally:
        await wb.aclose()


async def test_a_busy_gate_claims_nothing(fake_ollama, suite):
    wb = Workbench.open(None)
    try:
        job_id = await _add(wb)
        summary = await JobRunner(wb, SwitchGate(idle=False), LocalExecutor(wb)).run(once=True)
        assert summary.stopped == "waiting: the user is here"
        assert {s.status for s in q.steps_of(wb.store, job_id)} == {"queued"}
        assert fake_ollama.requests_to("/api/chat") == []
    finally:
        await wb.aclose()


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


async def test_a_dead_runners_step_is_reclaimed_at_once_and_run(fake_ollama, suite):
    import socket

    fake_ollama.respond_with(by_prompt(ANSWERS))
    clock = FakeClock()
    wb = Workbench.open(None)
    try:
        job_id = await _add(wb, clock=clock, suite="basic", models=["qwen3:8b"], limit=1,
                            samples=1)
        q.register_runner(wb.store, "crashed", _dead_pid(), socket.gethostname(), clock.now)
        held = q.claim(wb.store, "crashed", clock.now, lease_s=3600)
        summary = await JobRunner(wb, SwitchGate(), LocalExecutor(wb), clock=clock).run(once=True)
        assert summary.reclaimed == 1 and summary.steps_done == 1
        assert q.get_step(wb.store, held.id).status == "done"
        assert [r.id for r in q.runners(wb.store)] == []  # neither the dead one nor ours
        assert q.get_job(wb.store, job_id).status == "done"
    finally:
        await wb.aclose()


async def test_after_a_restart_an_expired_lease_returns_the_step(fake_ollama, suite, ingle_home):
    fake_ollama.respond_with(by_prompt(ANSWERS))
    clock = FakeClock()
    wb = Workbench.open(None)
    job_id = await _add(wb, clock=clock, suite="basic", models=["qwen3:8b"], limit=1, samples=1)
    # another host's runner took it, then that machine went away
    q.register_runner(wb.store, "elsewhere", 1, "another-host", clock.now)
    q.claim(wb.store, "elsewhere", clock.now, lease_s=120)
    await wb.aclose()
    wb = Workbench.open(None)  # a new process, later
    try:
        summary = await JobRunner(wb, SwitchGate(), LocalExecutor(wb), clock=clock).run(once=True)
        assert summary.steps_done == 0  # its lease still holds: another host may be alive
        clock.now += 121
        summary = await JobRunner(wb, SwitchGate(), LocalExecutor(wb), clock=clock).run(once=True)
        assert summary.reclaimed == 1 and summary.steps_done == 1
        assert q.get_job(wb.store, job_id).status == "done"
    finally:
        await wb.aclose()


async def test_a_schedule_adds_its_job_when_due_and_compares_with_the_last_run(
        fake_ollama, suite, ingle_home):
    fake_ollama.respond_with(by_prompt(ANSWERS))
    clock = FakeClock()
    wb = Workbench.open(None)
    try:
        service = JobsService(wb, clock)
        schedule = await service.add("schedule", {
            "every": "24h", "kind": "eval",
            "params": {"suite": "basic", "models": ["qwen3:8b"], "compare": True}})
        runner = JobRunner(wb, SwitchGate(), LocalExecutor(wb), clock=clock)
        assert (await runner.run(once=True)).steps_done == 0  # not due yet
        clock.now += 24 * 3600
        await JobRunner(wb, SwitchGate(), LocalExecutor(wb), clock=clock).run(once=True)
        # the suite changed overnight: the number case now asks for 43 (and still checks 42)
        path = ingle_home / "config" / "evals" / "basic.toml"
        path.write_text(path.read_text().replace('n = "42"', 'n = "43"'))
        fake_ollama.respond_with(by_prompt({"France": "Paris", "number 43": "It is 43."}))
        clock.now += 24 * 3600
        await JobRunner(wb, SwitchGate(), LocalExecutor(wb), clock=clock).run(once=True)
        first, second = q.children(wb.store, schedule)
        assert first.status == second.status == "done"
        assert "diff" not in first.result
        diff = second.result["diff"]
        assert (diff["base"], diff["cand"]) == (first.result["run_id"], second.result["run_id"])
        assert (diff["regressed"], diff["unchanged"]) == (1, 1)
        assert q.get_job(wb.store, schedule).next_at == clock.now + 24 * 3600
        assert q.get_job(wb.store, schedule).status == "queued"
    finally:
        await wb.aclose()
