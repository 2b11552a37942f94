"""What every job kind is: how it splits into steps, runs one, and finishes.

A kind plans its steps when the job is added, computes one step wherever the executor
runs it (`portable` kinds may run on a Ray node with its own store and model server:
their `compute` writes nothing and `record` stores the result on the coordinator), and
is asked to `advance` once every step of the job's current stage is finished: it adds
the next stage's steps, or returns the job's result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ingle.memory.jobs import JobRow, NewStep, StepRow

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Plan(BaseModel):
    title: str
    steps: list[NewStep]
    state: dict[str, Any] = Field(default_factory=dict)
    next_at: float | None = None  # a schedule's first time


class Advance(BaseModel):
    """More steps (the next stage), or the job's result (or the error it ends with)."""

    steps: list[NewStep] = Field(default_factory=list)
    result: dict[str, Any] = Field(default_factory=dict)
    error: str = ""


class JobKind:
    name: ClassVar[str]
    summary: ClassVar[str]
    params_model: ClassVar[type[Params]]
    portable: ClassVar[bool] = False

    def __init__(self, workbench: Workbench) -> None:
        self.wb = workbench

    def params(self, job: JobRow) -> Any:
        return self.params_model.model_validate(job.params)

    async def plan(self, params: Any, now: float) -> Plan:
        raise NotImplementedError

    async def compute(self, job: JobRow, step: StepRow, endpoint: str | None) -> Any:
        """Run one step; return its JSON-able result. Raise to fail the attempt."""
        raise NotImplementedError

    def record(self, job: JobRow, step: StepRow, result: Any, done: int, total: int) -> None:
        """Store a computed result on the coordinator (portable kinds)."""

    async def advance(self, job: JobRow, steps: list[StepRow]) -> Advance:
        return Advance(result={"steps": len(steps)})

    def cancelled(self, job: JobRow) -> None:
        """The job was cancelled: close what it opened (an eval run is marked interrupted)."""
