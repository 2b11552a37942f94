"""Idle-time jobs and their steps (the job runner's storage; see core/jobs/).

A job is split into steps small enough to redo. A step is claimed atomically (one
`UPDATE ... RETURNING`) under a lease: the runner that holds it renews the lease while it
works, and a lease that runs out (the runner crashed, the machine slept) returns the step
to the queue. A step's result is written only by the runner that still holds its lease,
so a step that is done never runs again and a late result from a lost runner is dropped.
Every function takes `now` (UNIX seconds) so tests drive time with a fake clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from ingle.memory.store import Store

ACTIVE = ("queued", "running")  # job states whose steps may be claimed
FINISHED = ("done", "failed", "cancelled")


class JobRow(BaseModel):
    id: int
    kind: str
    title: str
    params_json: str
    priority: int = 0
    status: str
    stage: int = 0
    state_json: str = "{}"
    result_json: str = "{}"
    error: str = ""
    parent_id: int | None = None
    next_at: float | None = None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def params(self) -> dict[str, Any]:
        return json.loads(self.params_json)

    @property
    def state(self) -> dict[str, Any]:
        return json.loads(self.state_json or "{}")

    @property
    def result(self) -> dict[str, Any]:
        return json.loads(self.result_json or "{}")


class StepRow(BaseModel):
    id: int
    job_id: int
    stage: int = 0
    idx: int
    priority: int = 0
    model: str = ""
    payload_json: str
    status: str
    attempts: int = 0
    lease_owner: str | None = None
    lease_until: float | None = None
    result_json: str = ""
    error: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    duration_s: float | None = None

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.payload_json)

    @property
    def result(self) -> Any:
        return json.loads(self.result_json) if self.result_json else None


class NewStep(BaseModel):
    """A step to add: what it does (payload) and the model it needs ("" for none)."""

    payload: dict[str, Any]
    model: str = ""


class Progress(BaseModel):
    queued: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    cancelled: int = 0
    mean_step_s: float | None = None
    last_error: str = ""

    @property
    def total(self) -> int:
        return self.queued + self.running + self.done + self.failed + self.cancelled


class RunnerRow(BaseModel):
    id: str
    pid: int
    host: str
    started_at: float
    seen_at: float


_JOB_COLUMNS = list(JobRow.model_fields)
_STEP_COLUMNS = list(StepRow.model_fields)


def _job(row: Sequence[Any]) -> JobRow:
    return JobRow(**dict(zip(_JOB_COLUMNS, row, strict=True)))


def _step(row: Sequence[Any]) -> StepRow:
    return StepRow(**dict(zip(_STEP_COLUMNS, row, strict=True)))


# -- jobs ----------------------------------------------------------------------------------
def add_job(store: Store, kind: str, title: str, params: dict[str, Any], now: float, *,
            priority: int = 0, steps: Sequence[NewStep] = (), parent_id: int | None = None,
            next_at: float | None = None, status: str = "queued") -> int:
    with store.db.conn:
        cursor = store.db.conn.execute(
            "INSERT INTO jobs (kind, title, params_json, priority, status, parent_id, next_at, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, title, json.dumps(params, sort_keys=True), priority, status, parent_id,
             next_at, now])
        job_id = int(cursor.lastrowid or 0)
        _insert_steps(store, job_id, 0, priority, steps)
    return job_id


def add_steps(store: Store, job_id: int, stage: int, steps: Sequence[NewStep]) -> None:
    job = get_job(store, job_id)
    assert job is not None
    with store.db.conn:
        _insert_steps(store, job_id, stage, job.priority, steps)


def _insert_steps(store: Store, job_id: int, stage: int, priority: int,
                  steps: Sequence[NewStep]) -> None:
    store.db.conn.executemany(
        "INSERT INTO job_steps (job_id, stage, idx, priority, model, payload_json) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [[job_id, stage, i, priority, s.model, json.dumps(s.payload, sort_keys=True)]
         for i, s in enumerate(steps)])
    # Counts of steps moving between states are kept by triggers (migration v18).
    store.db.conn.execute("UPDATE jobs SET n_queued = n_queued + ? WHERE id = ?",
                          [len(steps), job_id])


def get_job(store: Store, job_id: int) -> JobRow | None:
    row = store.db.conn.execute(
        f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs WHERE id = ?", [job_id]).fetchone()
    return _job(row) if row else None


def list_jobs(store: Store, limit: int = 100) -> list[JobRow]:
    """Unfinished jobs first (highest priority, oldest first), then finished ones, newest first."""
    rows = store.db.conn.execute(
        f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs ORDER BY "
        "status IN ('done', 'failed', 'cancelled'), "
        "CASE WHEN status IN ('done', 'failed', 'cancelled') THEN -id ELSE -priority END, id "
        "LIMIT ?", [limit]).fetchall()
    return [_job(r) for r in rows]


def children(store: Store, parent_id: int) -> list[JobRow]:
    rows = store.db.conn.execute(
        f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs WHERE parent_id = ? ORDER BY id",
        [parent_id]).fetchall()
    return [_job(r) for r in rows]


def set_job(store: Store, job_id: int, **fields: Any) -> None:
    """Update columns of a job (status, state_json, result_json, error, finished_at...)."""
    names = list(fields)
    with store.db.conn:
        store.db.conn.execute(
            f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            [*(fields[n] for n in names), job_id])


def set_status(store: Store, job_id: int, status: str, now: float,
               only_from: Sequence[str] = ()) -> bool:
    """Move a job to `status` (only from one of `only_from`, when given). Cancelling also
    cancels its queued steps; a running step finishes, or is dropped with its lease."""
    where = "id = ?"
    args: list[Any] = [job_id]
    if only_from:
        where += f" AND status IN ({', '.join('?' * len(only_from))})"
        args += list(only_from)
    finished = now if status in FINISHED else None
    with store.db.conn:
        changed = store.db.conn.execute(
            f"UPDATE jobs SET status = ?, finished_at = COALESCE(?, finished_at) WHERE {where}",
            [status, finished, *args]).rowcount
        if changed and status == "cancelled":
            store.db.conn.execute(
                "UPDATE job_steps SET status = 'cancelled' WHERE job_id = ? AND status = 'queued'",
                [job_id])
    return bool(changed)


def progress(store: Store, job_ids: Sequence[int]) -> dict[int, Progress]:
    """Each job's step counts (kept by triggers on job_steps, so this costs nothing)."""
    out = {i: Progress() for i in job_ids}
    if not job_ids:
        return out
    marks = ", ".join("?" * len(job_ids))
    for row in store.db.conn.execute(
            "SELECT id, n_queued, n_running, n_done, n_failed, n_cancelled, done_s, last_error "
            f"FROM jobs WHERE id IN ({marks})", list(job_ids)):
        job_id, queued, running, done, failed, cancelled, done_s, last_error = row
        out[job_id] = Progress(queued=queued, running=running, done=done, failed=failed,
                               cancelled=cancelled, last_error=last_error,
                               mean_step_s=done_s / done if done else None)
    return out


def steps_of(store: Store, job_id: int) -> list[StepRow]:
    rows = store.db.conn.execute(
        f"SELECT {', '.join(_STEP_COLUMNS)} FROM job_steps WHERE job_id = ? ORDER BY stage, idx",
        [job_id]).fetchall()
    return [_step(r) for r in rows]


def get_step(store: Store, step_id: int) -> StepRow | None:
    row = store.db.conn.execute(
        f"SELECT {', '.join(_STEP_COLUMNS)} FROM job_steps WHERE id = ?", [step_id]).fetchone()
    return _step(row) if row else None


def open_steps(store: Store, job_id: int) -> int:
    """Steps of the job not yet finished (queued or running)."""
    return int(store.db.conn.execute(
        "SELECT COUNT(*) FROM job_steps WHERE job_id = ? AND status IN ('queued', 'running')",
        [job_id]).fetchone()[0])


def advance_stage(store: Store, job_id: int, stage: int) -> bool:
    """True for exactly one caller once every step of the job's `stage` is finished: that
    caller moves the job on (adds the next stage's steps, or finishes the job)."""
    with store.db.conn:
        return bool(store.db.conn.execute(
            "UPDATE jobs SET stage = stage + 1 WHERE id = ? AND stage = ? AND NOT EXISTS ("
            "SELECT 1 FROM job_steps WHERE job_id = ? AND status IN ('queued', 'running'))",
            [job_id, stage, job_id]).rowcount)


def jobs_to_advance(store: Store) -> list[JobRow]:
    """Active jobs (not schedules) with no step left to run: their stage is finished."""
    rows = store.db.conn.execute(
        f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs j WHERE status IN ('queued', 'running') "
        "AND kind != 'schedule' AND NOT EXISTS (SELECT 1 FROM job_steps s WHERE s.job_id = j.id "
        "AND s.status IN ('queued', 'running')) ORDER BY id").fetchall()
    return [_job(r) for r in rows]


def due_schedules(store: Store, now: float) -> list[JobRow]:
    rows = store.db.conn.execute(
        f"SELECT {', '.join(_JOB_COLUMNS)} FROM jobs WHERE kind = 'schedule' AND status IN "
        "('queued', 'running') AND next_at IS NOT NULL AND next_at <= ? ORDER BY next_at",
        [now]).fetchall()
    return [_job(r) for r in rows]


def move_schedule(store: Store, job_id: int, was: float, next_at: float) -> bool:
    """Set the schedule's next time, once (the caller that wins spawns the due job)."""
    with store.db.conn:
        return bool(store.db.conn.execute(
            "UPDATE jobs SET next_at = ? WHERE id = ? AND next_at = ?",
            [next_at, job_id, was]).rowcount)


# -- claiming steps ------------------------------------------------------------------------
_CLAIMABLE = ("FROM job_steps s JOIN jobs j ON j.id = s.job_id "
              "WHERE s.status = 'queued' AND j.status IN ('queued', 'running')")


def claim(store: Store, runner: str, now: float, lease_s: float,
          loaded: Sequence[str] = (), exclude_jobs: Sequence[int] = ()) -> StepRow | None:
    """Take the next step: the highest priority first; among equals a step whose model is
    already loaded (`loaded`, from /api/ps), then the oldest job's first step."""
    skip = f" AND s.job_id NOT IN ({', '.join('?' * len(exclude_jobs))})" if exclude_jobs else ""
    best = f"SELECT s.id {_CLAIMABLE}{skip} ORDER BY s.priority DESC, s.job_id, s.id LIMIT 1"
    args: list[Any] = [*exclude_jobs]
    if loaded:
        marks = ", ".join("?" * len(loaded))
        top = f"SELECT s.priority {_CLAIMABLE}{skip} ORDER BY s.priority DESC LIMIT 1"
        warm = (f"SELECT s.id {_CLAIMABLE}{skip} AND s.model IN ({marks}) AND s.priority = "
                f"({top}) ORDER BY s.job_id, s.id LIMIT 1")
        pick = f"COALESCE(({warm}), ({best}))"
        args = [*exclude_jobs, *loaded, *exclude_jobs, *exclude_jobs]
    else:
        pick = f"({best})"
    with store.db.conn:
        row = store.db.conn.execute(
            "UPDATE job_steps SET status = 'running', lease_owner = ?, lease_until = ?, "
            "started_at = ?, attempts = attempts + 1 "
            f"WHERE id = {pick} AND status = 'queued' "
            f"RETURNING {', '.join(_STEP_COLUMNS)}",
            [runner, now + lease_s, now, *args]).fetchone()
        if row is None:
            return None
        step = _step(row)
        store.db.conn.execute(
            "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?) "
            "WHERE id = ? AND status = 'queued'", [now, step.job_id])
    return step


def renew(store: Store, runner: str, now: float, lease_s: float) -> int:
    """Extend every lease `runner` holds (it is alive and still working)."""
    with store.db.conn:
        store.db.conn.execute("UPDATE job_runners SET seen_at = ? WHERE id = ?", [now, runner])
        return store.db.conn.execute(
            "UPDATE job_steps SET lease_until = ? WHERE lease_owner = ? AND status = 'running'",
            [now + lease_s, runner]).rowcount


def finish(store: Store, step_id: int, runner: str, result: Any, now: float) -> bool:
    """Record a step's result. False (and nothing written) if the runner no longer holds
    its lease: the step was reclaimed, so its result belongs to whoever runs it now."""
    with store.db.conn:
        return bool(store.db.conn.execute(
            "UPDATE job_steps SET status = 'done', result_json = ?, error = '', finished_at = ?, "
            "duration_s = ? - started_at, lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND status = 'running' AND lease_owner = ?",
            [json.dumps(result, sort_keys=True), now, now, step_id, runner]).rowcount)


def fail(store: Store, step_id: int, runner: str, error: str, now: float,
         max_attempts: int) -> str | None:
    """A step's attempt failed: back to the queue while attempts remain, else failed.
    Returns the step's new status (None if the runner no longer held it)."""
    with store.db.conn:
        row = store.db.conn.execute(
            "UPDATE job_steps SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' "
            "END, error = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND status = 'running' AND lease_owner = ? RETURNING status",
            [max_attempts, error, now, step_id, runner]).fetchone()
    return row[0] if row else None


def release(store: Store, step_id: int, runner: str) -> bool:
    """Put a step back untouched (the runner paused for the user): no attempt is counted."""
    with store.db.conn:
        return bool(store.db.conn.execute(
            "UPDATE job_steps SET status = 'queued', attempts = MAX(attempts - 1, 0), "
            "lease_owner = NULL, lease_until = NULL, started_at = NULL "
            "WHERE id = ? AND status = 'running' AND lease_owner = ?",
            [step_id, runner]).rowcount)


def expire_leases(store: Store, now: float, max_attempts: int) -> int:
    """Steps whose lease ran out return to the queue (or fail after `max_attempts`)."""
    with store.db.conn:
        return store.db.conn.execute(
            "UPDATE job_steps SET status = CASE WHEN attempts >= ? THEN 'failed' ELSE 'queued' "
            "END, error = CASE WHEN attempts >= ? THEN 'its runner stopped answering' ELSE error "
            "END, lease_owner = NULL, lease_until = NULL "
            "WHERE status = 'running' AND lease_until < ?",
            [max_attempts, max_attempts, now]).rowcount


# -- runners -------------------------------------------------------------------------------
def register_runner(store: Store, runner: str, pid: int, host: str, now: float) -> None:
    with store.db.conn:
        store.db.conn.execute(
            "INSERT OR REPLACE INTO job_runners (id, pid, host, started_at, seen_at) "
            "VALUES (?, ?, ?, ?, ?)", [runner, pid, host, now, now])


def unregister_runner(store: Store, runner: str) -> None:
    with store.db.conn:
        store.db.conn.execute(
            "UPDATE job_steps SET status = 'queued', attempts = MAX(attempts - 1, 0), "
            "lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND status = 'running'",
            [runner])
        store.db.conn.execute("DELETE FROM job_runners WHERE id = ?", [runner])


def runners(store: Store) -> list[RunnerRow]:
    rows = store.db.conn.execute(
        "SELECT id, pid, host, started_at, seen_at FROM job_runners ORDER BY started_at")
    return [RunnerRow(id=r[0], pid=r[1], host=r[2], started_at=r[3], seen_at=r[4]) for r in rows]


def reclaim_dead(store: Store, is_dead: Callable[[RunnerRow], bool]) -> int:
    """Return the steps of every runner `is_dead` says is gone to the queue at once (their
    attempt counts: the step may be what killed it), and forget those runners."""
    reclaimed = 0
    for runner in runners(store):
        if not is_dead(runner):
            continue
        with store.db.conn:
            reclaimed += store.db.conn.execute(
                "UPDATE job_steps SET status = 'queued', lease_owner = NULL, lease_until = NULL "
                "WHERE lease_owner = ? AND status = 'running'", [runner.id]).rowcount
            store.db.conn.execute("DELETE FROM job_runners WHERE id = ?", [runner.id])
    return reclaimed


def queued_steps(store: Store) -> int:
    """Steps that could be claimed now (of jobs neither paused nor finished)."""
    return int(store.db.conn.execute(f"SELECT COUNT(*) {_CLAIMABLE}").fetchone()[0])
