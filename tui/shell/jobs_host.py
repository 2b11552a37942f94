"""The job runner inside the app: it works the queue while the idle gate says idle, and the
app's own key and mouse events (stamped on the workbench's Activity) wake the gate, so a
key press pauses the step in flight within milliseconds. It also words the status bar's
jobs badge ("jobs: 2 running", "jobs: 1 waiting").

The runner is a plain asyncio task, not a Textual worker: it lives as long as the app, and
`app.workers.wait_for_complete()` must not wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from ingle.core.jobs.events import JobEvent
from ingle.core.jobs.idle import ActivityGate
from ingle.core.jobs.service import JobsService
from ingle.memory import jobs as q
from ingle.tui.error_text import describe_error

if TYPE_CHECKING:
    from ingle.core.jobs.runner import JobRunner
    from ingle.core.workbench import Workbench

log = logging.getLogger(__name__)


class JobsHost:
    def __init__(self, workbench: Workbench, on_change: Callable[[], None],
                 on_error: Callable[[str], None]) -> None:
        self.workbench = workbench
        self.gate = ActivityGate.for_workbench(workbench)
        self.service = JobsService(workbench)
        self.on_change = on_change  # the badge or the pane may have changed
        self.on_error = on_error
        self.runner: JobRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._run(), name="ingle-jobs-runner"),
                       asyncio.create_task(self._watch(), name="ingle-jobs-events")]

    async def _run(self) -> None:
        from ingle.core.jobs.executors import open_executor
        from ingle.core.jobs.runner import JobRunner

        try:  # the executor [jobs] names: local, or Ray (ingle[cluster])
            executor = open_executor(self.workbench)
        except Exception as exc:  # noqa: BLE001 - e.g. Ray chosen but not installed
            self.on_error(f"jobs will not run in the app: {describe_error(exc)}")
            return
        self.runner = JobRunner(self.workbench, self.gate, executor)
        try:
            await self.runner.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown once; the app goes on without jobs
            log.exception("the job runner stopped")
            self.on_error(f"the job runner stopped: {exc}")
        finally:
            await executor.aclose()

    async def _watch(self) -> None:
        async with self.workbench.bus.subscribe(JobEvent) as events:
            while True:
                await events.get()
                self.on_change()

    def badge(self) -> str | None:
        """"jobs: 2 running" while the gate lets them run, "jobs: 2 waiting" while it holds
        them back; None with no job queued or running."""
        try:
            active = sum(1 for job in self.service.list()
                         if job.status in q.ACTIVE and job.kind != "schedule")
        except Exception:  # noqa: BLE001 - a busy store: no badge this time
            return None
        if not active:
            return None
        return f"jobs: {active} {'running' if self.gate.state().idle else 'waiting'}"

    async def aclose(self) -> None:
        """Stop the runner: its step in flight goes back to the queue, its runner row away."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
