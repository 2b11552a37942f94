"""The job runner: claims steps while the idle gate says idle, drops them the moment it
says busy.

While idle it keeps the executor's capacity busy with claimed steps (highest priority
first, a loaded model preferred). When `gate.until_busy()` returns it stops claiming,
cancels the steps in flight (cancelling the HTTP request closes the connection, which
stops Ollama's generation), puts them back without counting an attempt, and unloads
(`keep_alive: 0`) the models the jobs loaded that the user had not, so the user's own
model stays loaded. The runner records its process; at start it returns the steps of
runners that died (same host, process gone) and of expired leases to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ingle.core.jobs.events import (
    JobFinished, JobProgress, RunnerIdle, RunnerPaused, RunnerResumed, StepFailed, StepFinished,
)
from ingle.core.jobs.executor import Executor
from ingle.core.jobs.idle_state import IdleGate
from ingle.core.jobs.kinds import KINDS, JobKind
from ingle.core.jobs.kinds.schedule import ScheduleKind
from ingle.core.jobs.service import process_alive
from ingle.memory import jobs as q
from ingle.personas.model import ModelRef

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench


class RunSummary(BaseModel):
    steps_done: int = 0
    steps_failed: int = 0
    jobs_finished: list[int] = Field(default_factory=list)
    requeued: list[int] = Field(default_factory=list)
    unloaded: list[str] = Field(default_factory=list)
    reclaimed: int = 0
    stopped: str = ""  # why the runner returned


def _bare(model: str) -> str:
    name = ModelRef.parse(model).model if model else ""
    return name[: -len(":latest")] if name.endswith(":latest") else name


class JobRunner:
    def __init__(self, workbench: Workbench, gate: IdleGate, executor: Executor, *,
                 clock: Callable[[], float] = time.time, lease_s: float = 120.0,
                 max_attempts: int = 3, poll_s: float = 5.0) -> None:
        self.wb = workbench
        self.store = workbench.store
        self.gate = gate
        self.executor = executor
        self.clock = clock
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.poll_s = poll_s  # how often a waiting runner looks for new jobs
        self.id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._kinds: dict[str, JobKind] = {}
        self._warm: set[str] = set()  # models loaded now (from /api/ps and our own steps)
        self.summary = RunSummary()
        self._said_idle = False

    def kind(self, name: str) -> JobKind:
        if name not in self._kinds:
            self._kinds[name] = KINDS[name](self.wb)
        return self._kinds[name]

    # -- the loop ------------------------------------------------------------------------
    async def run(self, once: bool = False) -> RunSummary:
        """Work the queue. `once`: until nothing can run now (the queue is empty, every job
        is paused, or the gate says busy), then return. Otherwise forever."""
        # The steps' model calls (in tasks started inside) are the runner's, not the user's:
        # the idle gate must not count them as interactive requests and pause for them.
        with self.wb.activity.background():
            return await self._run(once)

    async def _run(self, once: bool) -> RunSummary:
        q.register_runner(self.store, self.id, os.getpid(), socket.gethostname(), self.clock())
        self.summary.reclaimed = q.reclaim_dead(self.store, lambda r: not process_alive(r))
        try:
            paused_reason = ""
            while True:
                # Steps of runners that died since (this host) or went silent (any host).
                self.summary.reclaimed += q.reclaim_dead(self.store,
                                                         lambda r: not process_alive(r))
                self.summary.reclaimed += q.expire_leases(self.store, self.clock(),
                                                          self.max_attempts)
                await self.tick_schedules()
                await self.advance_ready()
                state = self.gate.state()
                if not state.idle:
                    if once:
                        self.summary.stopped = state.reason
                        return self.summary
                    if state.reason != paused_reason:
                        self.wb.bus.publish(RunnerPaused(reason=state.reason))
                    state = await self.gate.until_idle()
                    paused_reason = ""
                    self.wb.bus.publish(RunnerResumed(reason=state.reason))
                    continue
                outcome = await self._active_period()
                if outcome is not None:  # the gate said busy
                    paused_reason = outcome
                    continue
                if once:
                    self.summary.stopped = "nothing left to run"
                    return self.summary
                if not self._said_idle:  # once, not at every look
                    self._said_idle = True
                    self.wb.bus.publish(RunnerIdle(reason="nothing to run: the queue is "
                                                   "empty or every job is paused"))
                # New jobs come from other processes (the CLI, the app): look again soon,
                # or at once if the user comes back.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.gate.until_busy(), self.poll_s)
        finally:
            q.unregister_runner(self.store, self.id)

    async def _active_period(self) -> str | None:
        """Work until the queue is done (None) or the gate says busy (its reason)."""
        before = await self._loaded()
        self._warm = {m for models in before.values() for m in models}
        used: set[str] = set()
        requeued: list[int] = []
        busy = asyncio.ensure_future(self.gate.until_busy())
        work = asyncio.ensure_future(self._work(used, requeued))
        await asyncio.wait({busy, work}, return_when=asyncio.FIRST_COMPLETED)
        if not busy.done():
            busy.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await busy
            work.result()
            return None
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        unloaded = await self._unload(before, used)
        reason = busy.result().reason
        self.summary.requeued += requeued
        self.summary.unloaded += unloaded
        self.wb.bus.publish(RunnerPaused(reason=reason, requeued=requeued, unloaded=unloaded))
        return reason

    async def _work(self, used: set[str], requeued: list[int]) -> None:
        in_flight: dict[asyncio.Future[Any], q.StepRow] = {}
        renew = asyncio.ensure_future(self._renew_leases())
        try:
            while True:
                while len(in_flight) < self.executor.capacity():
                    step = q.claim(self.store, self.id, self.clock(), self.lease_s,
                                   loaded=sorted(self._warm))
                    if step is None:
                        break
                    self._said_idle = False
                    if step.model:
                        used.add(_bare(step.model))
                    in_flight[asyncio.ensure_future(self._run_step(step))] = step
                if not in_flight:
                    return
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    in_flight.pop(task)
                    task.result()
                await self.advance_ready()
        except asyncio.CancelledError:
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            for step in in_flight.values():
                if q.release(self.store, step.id, self.id):
                    requeued.append(step.id)
            raise
        finally:
            renew.cancel()

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            q.renew(self.store, self.id, self.clock(), self.lease_s)

    async def _run_step(self, step: q.StepRow) -> None:
        job = q.get_job(self.store, step.job_id)
        assert job is not None
        kind = self.kind(job.kind)
        try:
            outcome = await self.executor.run(kind, job, step)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of a step is kept as its error
            error = (str(exc).splitlines() or [type(exc).__name__])[0]
            status = q.fail(self.store, step.id, self.id, error, self.clock(), self.max_attempts)
            self.summary.steps_failed += status == "failed"
            self.wb.bus.publish(StepFailed(job_id=job.id, step_id=step.id, error=error,
                                           will_retry=status == "queued"))
            self._progress(job.id)
            return
        if step.model:
            self._warm.add(_bare(step.model))
        progress = q.progress(self.store, [job.id])[job.id]
        kind.record(job, step, outcome.result, progress.done + 1, progress.total)
        if q.finish(self.store, step.id, self.id, outcome.result, self.clock()):
            self.summary.steps_done += 1
            finished = q.get_step(self.store, step.id)
            seconds = finished.duration_s if finished and finished.duration_s else 0.0
            self.wb.bus.publish(StepFinished(job_id=job.id, step_id=step.id,
                                             endpoint=outcome.endpoint, duration_s=seconds))
        self._progress(job.id)

    def _progress(self, job_id: int) -> None:
        job = q.get_job(self.store, job_id)
        if job is None:
            return
        p = q.progress(self.store, [job_id])[job_id]
        self.wb.bus.publish(JobProgress(job_id=job.id, kind=job.kind, title=job.title,
                                        status=job.status, done=p.done, failed=p.failed,
                                        total=p.total))

    # -- moving jobs on ------------------------------------------------------------------
    async def advance_ready(self) -> None:
        """Every active job with no step left to run moves to its next stage or finishes
        (also a job left there by a runner that stopped in between)."""
        for job in q.jobs_to_advance(self.store):
            if not q.advance_stage(self.store, job.id, job.stage):
                continue  # another runner took it
            steps = q.steps_of(self.store, job.id)
            try:
                step_on = await self.kind(job.kind).advance(job, steps)
            except asyncio.CancelledError:
                q.set_job(self.store, job.id, stage=job.stage)  # advance again next time
                raise
            except Exception as exc:  # noqa: BLE001 - the job ends with the reason
                q.set_job(self.store, job.id, status="failed", finished_at=self.clock(),
                          error=(str(exc).splitlines() or [type(exc).__name__])[0])
                self._finished(job.id)
                continue
            if step_on.steps:
                q.add_steps(self.store, job.id, job.stage + 1, step_on.steps)
                self._progress(job.id)
                continue
            import json

            q.set_job(self.store, job.id, status="failed" if step_on.error else "done",
                      result_json=json.dumps(step_on.result, sort_keys=True),
                      error=step_on.error, finished_at=self.clock())
            self._finished(job.id)

    def _finished(self, job_id: int) -> None:
        job = q.get_job(self.store, job_id)
        assert job is not None
        self.summary.jobs_finished.append(job_id)
        self._progress(job_id)
        self.wb.bus.publish(JobFinished(job_id=job_id, kind=job.kind, status=job.status,
                                        result=job.result, error=job.error))

    async def tick_schedules(self) -> list[int]:
        """Add the job of every schedule that is due; returns the new jobs' ids."""
        from ingle.core.jobs.service import JobsService

        added = []
        now = self.clock()
        for schedule in q.due_schedules(self.store, now):
            assert schedule.next_at is not None
            kind = self.kind("schedule")
            assert isinstance(kind, ScheduleKind)
            nxt = kind.next_time(schedule.params, schedule.next_at, now)
            if not q.move_schedule(self.store, schedule.id, schedule.next_at, nxt):
                continue
            params = schedule.params
            try:
                added.append(await JobsService(self.wb, self.clock).add(
                    params["kind"], params["params"], priority=schedule.priority,
                    parent_id=schedule.id))
            except Exception as exc:  # noqa: BLE001 - kept on the schedule, tried next time
                q.set_job(self.store, schedule.id,
                          error=(str(exc).splitlines() or [type(exc).__name__])[0])
        return added

    # -- models --------------------------------------------------------------------------
    async def _loaded(self) -> dict[str, set[str]]:
        """Models loaded now on each endpoint that can say (Ollama's /api/ps)."""
        out: dict[str, set[str]] = {}
        for name in self.wb.settings.endpoints:
            backend = self.wb.pool.backend(name)
            if not hasattr(backend, "ps"):
                continue
            try:
                out[name] = {_bare(m.name) for m in await backend.ps()}
            except Exception:  # noqa: BLE001 - an endpoint that is down has nothing loaded
                continue
        return out

    async def _unload(self, before: dict[str, set[str]], used: set[str]) -> list[str]:
        """Unload what the jobs loaded and the user had not (their model stays loaded)."""
        unloaded = []
        for endpoint, now_loaded in (await self._loaded()).items():
            for model in sorted(now_loaded & used - before.get(endpoint, set())):
                backend = self.wb.pool.backend(endpoint)
                try:
                    await backend.unload(model)  # type: ignore[attr-defined]
                except Exception:  # noqa: BLE001 - it unloads by itself after keep_alive
                    continue
                unloaded.append(f"{model}@{endpoint}")
        return unloaded
