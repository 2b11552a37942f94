"""The job runner's shapes: a job as the CLI and the pane show it, and a step's outcome."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ingle.memory.jobs import JobRow, Progress, StepRow


class JobView(BaseModel):
    """One job with its progress, for `ingle jobs ls/show` and the Jobs pane."""

    id: int
    kind: str
    title: str
    status: str
    priority: int
    done: int
    failed: int
    total: int
    running: int
    eta_s: float | None = None  # from the mean step time and the steps left
    last_error: str = ""
    error: str = ""
    result: dict[str, Any] = Field(default_factory=dict)  # e.g. {"run_id": ...} of an eval
    params: dict[str, Any] = Field(default_factory=dict)
    parent_id: int | None = None
    next_at: float | None = None  # a schedule's next time
    created_at: float
    finished_at: float | None = None

    @classmethod
    def of(cls, job: JobRow, progress: Progress, workers: int = 1) -> JobView:
        left = progress.queued + progress.running
        eta = (progress.mean_step_s * left / max(workers, 1)
               if progress.mean_step_s is not None and left and job.status != "paused" else None)
        return cls(id=job.id, kind=job.kind, title=job.title, status=job.status,
                   priority=job.priority, done=progress.done, failed=progress.failed,
                   total=progress.total, running=progress.running, eta_s=eta,
                   last_error=progress.last_error, error=job.error, result=job.result,
                   params=job.params, parent_id=job.parent_id, next_at=job.next_at,
                   created_at=job.created_at, finished_at=job.finished_at)


class StepView(BaseModel):
    """One step as `ingle jobs show` reports it (payload and result as JSON, not text)."""

    id: int
    stage: int
    idx: int
    model: str
    status: str
    attempts: int
    payload: dict[str, Any]
    result: Any = None
    error: str = ""
    duration_s: float | None = None

    @classmethod
    def of(cls, step: StepRow) -> StepView:
        return cls(id=step.id, stage=step.stage, idx=step.idx, model=step.model,
                   status=step.status, attempts=step.attempts, payload=step.payload,
                   result=step.result, error=step.error, duration_s=step.duration_s)


class JobDetail(BaseModel):
    job: JobView
    steps: list[StepView]


class StepOutcome(BaseModel):
    """What running a step gave: its JSON result, or the error that stopped it."""

    result: Any = None
    error: str = ""
    endpoint: str = ""
