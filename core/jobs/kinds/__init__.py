"""The job kinds, one class each, by name (`ingle jobs add KIND ...`)."""

from __future__ import annotations

from ingle.core.jobs.kinds.base import Advance, JobKind, Params, Plan
from ingle.core.jobs.kinds.consolidate_kind import ConsolidateKind
from ingle.core.jobs.kinds.eval_kind import BenchmarkKind, EvalKind
from ingle.core.jobs.kinds.refine_kind import RefineKind
from ingle.core.jobs.kinds.schedule import ScheduleKind

KINDS: dict[str, type[JobKind]] = {
    kind.name: kind
    for kind in (EvalKind, RefineKind, BenchmarkKind, ConsolidateKind, ScheduleKind)
}

__all__ = ["KINDS", "Advance", "JobKind", "Params", "Plan"]
