"""What an eval run publishes on the workbench bus (and hands to the CLI's progress line)."""

from __future__ import annotations

from pydantic import BaseModel


class EvalEvent(BaseModel):
    run_id: str


class RunStarted(EvalEvent):
    suite: str
    planned: int  # samples this run still has to produce
    stored: int  # samples already stored (a resumed run)
    subjects: list[str]


class SampleDone(EvalEvent):
    case_id: str
    subject: str
    sample_index: int
    passed: bool
    score: float
    cached: bool
    error: str = ""
    done: int
    planned: int


class RunFinished(EvalEvent):
    status: str  # "done" or "interrupted"
    done: int
    planned: int
