"""Memory consolidation as a job: one merge call per step, per persona, until none is left."""

from __future__ import annotations

from typing import Any

from ingle.core.errors import UsageError
from ingle.core.jobs.kinds.base import Advance, JobKind, Params, Plan
from ingle.core.memories.consolidate import MAX_GROUPS, consolidate_step
from ingle.core.memories.service import MemoryService
from ingle.memory.jobs import JobRow, NewStep, StepRow

ROUNDS = 5  # merge calls per persona at most in one job


class ConsolidateParams(Params):
    personas: list[str] | None = None  # default: every persona with memories


class ConsolidateKind(JobKind):
    name = "consolidate"
    summary = "merge near-duplicate memories and archive unused ones, persona by persona"
    params_model = ConsolidateParams

    def __init__(self, workbench: Any) -> None:
        super().__init__(workbench)
        self.service = MemoryService(workbench)

    async def plan(self, params: ConsolidateParams, now: float) -> Plan:
        personas = params.personas or self.service.personas()
        if not personas:
            raise UsageError("no persona has memories to consolidate yet",
                             "`ingle memory ls PERSONA` shows a persona's memories")
        for name in personas:
            self.wb.personas.get(name)  # an unknown persona fails here, with its message
        return Plan(title="consolidate memories of " + (", ".join(personas) or "no persona"),
                    steps=[NewStep(payload={"persona": p, "round": 1}) for p in personas])

    async def compute(self, job: JobRow, step: StepRow, endpoint: str | None) -> Any:
        report = await consolidate_step(self.service, step.payload["persona"])
        if report.error:
            raise RuntimeError(report.error)
        return {"groups": report.groups, "merged": len(report.merged),
                "superseded": len(report.superseded), "archived": len(report.archived)}

    async def advance(self, job: JobRow, steps: list[StepRow]) -> Advance:
        latest: dict[str, StepRow] = {}
        for step in steps:
            latest[step.payload["persona"]] = step
        again = [NewStep(payload={"persona": p, "round": s.payload["round"] + 1})
                 for p, s in latest.items() if s.status == "done" and s.payload["round"] < ROUNDS
                 and s.result["groups"] >= MAX_GROUPS and s.result["merged"]]
        if again:
            return Advance(steps=again)
        done = [s.result for s in steps if s.status == "done"]
        return Advance(result={key: sum(r[key] for r in done)
                               for key in ("merged", "superseded", "archived")},
                       error="; ".join(s.error for s in steps if s.status == "failed"))
