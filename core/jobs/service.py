"""JobsService: add, list, show, pause, resume and cancel jobs (the runner works them).

Built from the workbench's store, bus and the job kinds; the CLI and the Jobs pane call
it. Time comes from `clock` so tests drive it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ingle.core.activity import pid_alive
from ingle.core.errors import NotFound, UsageError
from ingle.core.jobs.events import JobFinished, JobProgress
from ingle.core.jobs.kinds import KINDS, JobKind
from ingle.core.jobs.models import JobDetail, JobView, StepView
from ingle.memory import jobs as q

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench


def process_alive(runner: q.RunnerRow, host: str | None = None) -> bool:
    """A runner on this host is alive while its process is; one elsewhere is trusted
    until its lease runs out."""
    return runner.host != (host or socket.gethostname()) or pid_alive(runner.pid)


class JobsService:
    def __init__(self, workbench: Workbench, clock: Callable[[], float] = time.time) -> None:
        self.wb = workbench
        self.store = workbench.store
        self.clock = clock
        self._kinds: dict[str, JobKind] = {}

    def kind(self, name: str) -> JobKind:
        if name not in KINDS:
            raise UsageError(f"no job kind {name!r} (kinds: {', '.join(KINDS)})",
                             "e.g. ingle jobs add eval SUITE --personas P --models M")
        if name not in self._kinds:
            self._kinds[name] = KINDS[name](self.wb)
        return self._kinds[name]

    def validate(self, kind: str, params: dict[str, Any]) -> Any:
        try:
            return self.kind(kind).params_model.model_validate(params)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            raise UsageError(f"{kind} job: {where}: {first['msg']}",
                             f"`ingle jobs add {kind} --help` lists its options") from None

    async def add(self, kind: str, params: dict[str, Any], *, priority: int = 0,
                  parent_id: int | None = None) -> int:
        """Plan the job (its steps) and queue it; returns its id."""
        parsed = self.validate(kind, params)
        if kind == "schedule":  # the repeated job's options are checked now, not at night
            self.validate(parsed.kind, parsed.params)
        now = self.clock()
        plan = await self.kind(kind).plan(parsed, now)
        job_id = q.add_job(self.store, kind, plan.title, parsed.model_dump(exclude_none=True),
                           now, priority=priority, steps=plan.steps, parent_id=parent_id,
                           next_at=plan.next_at)
        if plan.state:
            import json

            q.set_job(self.store, job_id, state_json=json.dumps(plan.state))
        self.publish(job_id)
        return job_id

    # -- reading -------------------------------------------------------------------------
    def live_runners(self) -> int:
        """Runners working the queue now (`ingle jobs run`, or an open app)."""
        return sum(1 for runner in q.runners(self.store) if process_alive(runner))

    def list(self, limit: int = 100) -> list[JobView]:
        jobs = q.list_jobs(self.store, limit)
        progress = q.progress(self.store, [j.id for j in jobs])
        return [JobView.of(j, progress[j.id]) for j in jobs]

    def get(self, job_id: int) -> JobView:
        job = q.get_job(self.store, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}", "`ingle jobs ls` lists the jobs")
        return JobView.of(job, q.progress(self.store, [job_id])[job_id])

    def show(self, job_id: int) -> JobDetail:
        return JobDetail(job=self.get(job_id),
                         steps=[StepView.of(s) for s in q.steps_of(self.store, job_id)])

    # -- changing ------------------------------------------------------------------------
    def pause(self, job_id: int) -> JobView:
        """No new step of the job is claimed (one already running finishes)."""
        return self._move(job_id, "paused", q.ACTIVE, "only a queued or running job pauses")

    def resume(self, job_id: int) -> JobView:
        return self._move(job_id, "queued", ("paused",), "only a paused job resumes")

    def cancel(self, job_id: int) -> JobView:
        view = self._move(job_id, "cancelled", (*q.ACTIVE, "paused"),
                          "a finished job cannot be cancelled")
        job = q.get_job(self.store, job_id)
        assert job is not None
        self.kind(job.kind).cancelled(job)
        self.wb.bus.publish(JobFinished(job_id=job_id, kind=view.kind, status="cancelled"))
        return view

    def _move(self, job_id: int, status: str, only_from: tuple[str, ...], why: str) -> JobView:
        before = self.get(job_id)
        if not q.set_status(self.store, job_id, status, self.clock(), only_from):
            raise UsageError(f"job {job_id} is {before.status}: {why}",
                             "`ingle jobs ls` shows each job's state")
        self.publish(job_id)
        return self.get(job_id)

    def publish(self, job_id: int) -> None:
        view = self.get(job_id)
        self.wb.bus.publish(JobProgress(job_id=view.id, kind=view.kind, title=view.title,
                                        status=view.status, done=view.done, failed=view.failed,
                                        total=view.total))
