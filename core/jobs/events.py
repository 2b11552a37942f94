"""What the job runner publishes on the workbench bus (the Jobs pane and the status-bar
badge subscribe; `ingle jobs run` prints them as progress lines)."""

from __future__ import annotations

from pydantic import BaseModel


class JobEvent(BaseModel):
    """Base of every job event (subscribe to it to get them all)."""


class JobProgress(JobEvent):
    """A job's steps: `done` of `total` finished (failed ones count in `failed`)."""

    job_id: int
    kind: str
    title: str
    status: str  # the job's status: queued, running, paused, done, failed, cancelled
    done: int
    failed: int
    total: int


class StepFinished(JobEvent):
    job_id: int
    step_id: int
    endpoint: str = ""
    duration_s: float


class StepFailed(JobEvent):
    job_id: int
    step_id: int
    error: str
    will_retry: bool


class JobFinished(JobEvent):
    job_id: int
    kind: str
    status: str  # done, failed or cancelled
    result: dict = {}
    error: str = ""


class RunnerPaused(JobEvent):
    """The runner stopped claiming (and put back its in-flight steps): the gate said busy."""

    reason: str
    requeued: list[int] = []  # step ids put back untouched
    unloaded: list[str] = []  # models the jobs had loaded, unloaded with keep_alive 0


class RunnerResumed(JobEvent):
    reason: str


class RunnerIdle(JobEvent):
    """Nothing left to claim (the queue is empty, or every job is paused)."""

    reason: str
