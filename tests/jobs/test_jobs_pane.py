"""The Jobs pane and the runner the app hosts, in the real app (Pilot) against the fake
Ollama: input stamps from real key events, a key press pausing the step in flight, the
gate's words, pause/resume/cancel keys, the badge, a finished eval job opening in the
Evals pane; and a snapshot."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from textual import events

from ingle.core.jobs.service import JobsService
from ingle.memory import jobs as q
from ingle.memory.activity import activity_rows
from ingle.tui.app import IngleApp
from ingle.tui.panes.evals.pane import EvalsPane
from ingle.tui.panes.jobs.pane import JobsPane
from tests.evals.helpers import by_prompt
from tests.fakes.clock import FakeClock
from tests.fakes.nvml import FakeGpu, FakeNvml
from tests.fakes.script import RecordedRequest, Reply
from tests.jobs.helpers import write_basic_suite
from tests.tui.test_tui_support import opened

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (120, 30)
WAIT_S = 60
ANSWERS = {"France": "Paris", "number 42": "It is 42."}
ONE_SAMPLE = {"suite": "basic", "models": ["qwen3:8b"], "limit": 1, "samples": 1}


@pytest.fixture
def suite_repo(tui_repo: Path, ingle_home: Path) -> Path:
    write_basic_suite(ingle_home)
    return tui_repo


async def until(pilot, condition) -> None:  # noqa: ANN001
    async def check() -> None:
        while not condition():
            await pilot.pause()
    await asyncio.wait_for(check(), WAIT_S)


async def open_jobs(app: IngleApp, pilot) -> JobsPane:  # noqa: ANN001
    await opened(app, pilot)
    await pilot.press("f10")
    await until(pilot, lambda: isinstance(app.screen, JobsPane) and app.screen.gate is not None)
    return app.screen


def fake_time(app: IngleApp, ahead_s: float = 3600) -> FakeClock:
    """The app's activity (and so its gate) on a clock the test moves; the last real input
    is `ahead_s` in its past, so the user counts as away until a key is pressed."""
    clock = FakeClock(start=time.time() + ahead_s)
    app.workbench.activity.clock = clock
    return clock


def table_rows(pane: JobsPane) -> list[list[str]]:
    table = pane.query_one("#jobs")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_key_and_mouse_events_in_the_app_stamp_the_store(suite_repo):
    app = IngleApp(suite_repo)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        clock = fake_time(app)
        await pilot.press("x")
        assert app.workbench.activity.snapshot().last_input_at == clock.now()
        (row,) = [r for r in activity_rows(app.workbench.store) if r.kind == "app"]
        assert row.last_input_at == clock.now() and row.closed_at is None  # first key: written
        clock.advance(1)
        # As the terminal driver delivers it (Pilot's hover goes around the app's handler).
        app.post_message(events.MouseMove(None, 3, 3, 1, 0, 0, False, False, False,
                                          screen_x=3, screen_y=3))
        await pilot.pause()
        snap = app.workbench.activity.snapshot()
        assert (snap.last_input_at, snap.last_input_kind) == (clock.now(), "mouse")
        store = app.workbench.store
    assert [r.closed_at is not None for r in activity_rows(type(store)(store.path))] == [True]


async def test_a_key_press_pauses_the_job_in_flight_and_the_job_finishes_later(
    suite_repo, fake_ollama
):
    arrived = asyncio.Event()

    def stalled(request: RecordedRequest) -> Reply:
        arrived_soon()
        return Reply(text="Paris", stall_after=1)  # a long generation, still going

    fake_ollama.respond_with(stalled)
    app = IngleApp(suite_repo)
    async with app.run_test(size=SIZE) as pilot:
        loop = asyncio.get_running_loop()

        def arrived_soon() -> None:
            loop.call_soon_threadsafe(arrived.set)

        pane = await open_jobs(app, pilot)
        clock = fake_time(app)
        job_id = await JobsService(app.workbench).add("eval", ONE_SAMPLE)
        await asyncio.wait_for(arrived.wait(), WAIT_S)  # the hosted runner took the step
        await until(pilot, lambda: app.shared_status.jobs == "jobs: 1 running")
        pane.refresh_live()
        await until(pilot, lambda: [r[4] for r in table_rows(pane)] == ["0/1 (1 running)"])

        await pilot.press("z")  # the user is back: any key
        assert await asyncio.to_thread(fake_ollama.disconnect_seen.wait, WAIT_S)
        store = app.workbench.store
        await until(pilot, lambda: q.steps_of(store, job_id)[0].status == "queued")
        (step,) = q.steps_of(store, job_id)
        assert step.attempts == 0  # put back, not counted as a failure
        pane.refresh_live()
        await until(pilot, lambda: app.shared_status.jobs == "jobs: 1 waiting")
        await until(pilot, lambda: table_rows(pane)[0][4] == "0/1")  # the step is back
        gate_line = str(pane.query_one("#gate").render())
        assert gate_line == "idle gate: waiting: a key was pressed 0 s ago (idle after 120 s)"

        # The user leaves: two minutes later the step runs again, once, and the job is done.
        fake_ollama.respond_with(by_prompt(ANSWERS))
        clock.advance(120)
        await until(pilot, lambda: q.get_job(store, job_id).status == "done")
        (step,) = q.steps_of(store, job_id)
        assert step.status == "done" and step.attempts == 1
        await until(pilot, lambda: app.shared_status.jobs is None)
        pane.refresh_live()
        await until(pilot, lambda: pane.jobs and pane.jobs[0].status == "done")
        run_id = q.get_job(store, job_id).result["run_id"]
        row = table_rows(pane)[0]
        assert row[3:] == ["done", "1/1", "-", f"eval run {run_id}"]

        await pilot.press("enter")  # the finished job's result: its run in the Evals pane
        await until(pilot, lambda: isinstance(app.screen, EvalsPane)
                    and app.screen.report is not None)
        assert app.screen.report.run.id == run_id


async def test_pause_resume_and_cancel_keys(suite_repo, fake_ollama):
    app = IngleApp(suite_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_jobs(app, pilot)  # the user is here: nothing runs
        job_id = await JobsService(app.workbench).add("eval", ONE_SAMPLE)
        pane.refresh_live()
        await until(pilot, lambda: [j.status for j in pane.jobs] == ["queued"])
        assert app.shared_status.jobs in (None, "jobs: 1 waiting")
        await until(pilot, lambda: app.shared_status.jobs == "jobs: 1 waiting")
        for key, status in (("p", "paused"), ("u", "queued"), ("x", "cancelled")):
            await pilot.press(key)
            await until(pilot, lambda s=status: [j.status for j in pane.jobs] == [s])
            assert q.get_job(app.workbench.store, job_id).status == status
        await pilot.press("x")  # a cancelled job cannot be cancelled: said, nothing lost
        await pilot.pause()
        assert q.get_job(app.workbench.store, job_id).status == "cancelled"
        assert fake_ollama.requests_to("/api/chat") == []


async def test_slash_jobs_and_the_palette_reach_the_pane(suite_repo, fake_ollama):
    app = IngleApp(suite_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        chat.prompt.text = "/jobs"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JobsPane))
        assert "jobs.pause" in {b.id for b in app.screen.BINDINGS}


def test_snapshot_of_the_queue_and_the_gate(suite_repo, fake_ollama, snap_compare):
    async def ready(pilot) -> None:  # noqa: ANN001
        app = pilot.app
        pane = await open_jobs(app, pilot)
        app.workbench.nvml = FakeNvml([FakeGpu(utilization=4, pids=[311], names={311: "ollama"})])
        fake_time(app)
        await pilot.press("z")  # the user is here: the gate says why jobs wait
        service = JobsService(app.workbench)
        await service.add("eval", ONE_SAMPLE)
        paused = await service.add("eval", {**ONE_SAMPLE, "limit": 2})
        service.pause(paused)
        pane.refresh_live()
        await until(pilot, lambda: len(pane.jobs) == 2)
        await until(pilot, lambda: app.shared_status.jobs == "jobs: 1 waiting")
        app.set_shared_status(claude_today_usd=0.0)
        await pilot.pause()
        pane.status_bar.flush()
        await pilot.pause()

    assert snap_compare(IngleApp(suite_repo), terminal_size=SIZE, run_before=ready)
