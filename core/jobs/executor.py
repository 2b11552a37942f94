"""Where steps run. One interface: `run(kind, job, step)` -> the step's outcome.

The default, LocalExecutor, runs steps in this process on the configured endpoints
that have the step's model, within each endpoint's concurrency limit, least busy first
(the same limits `ingle eval run` fans out under, through the workbench's pool). The
Ray executor (ray_executor.py) runs portable steps on a cluster instead.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from ingle.core.evals.runner import concurrency, locate
from ingle.core.jobs.kinds import JobKind
from ingle.core.jobs.models import StepOutcome
from ingle.memory.jobs import JobRow, StepRow

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench


class Executor(Protocol):
    def capacity(self) -> int:
        """How many steps may run at once."""
        ...

    async def run(self, kind: JobKind, job: JobRow, step: StepRow) -> StepOutcome:
        """Run one step. Cancelling the call stops the step (its model request is closed)."""
        ...

    async def aclose(self) -> None: ...


class LocalExecutor:
    def __init__(self, workbench: Workbench) -> None:
        self.wb = workbench
        self._endpoints: dict[str, list[str]] = {}
        self.in_flight: dict[str, int] = {}
        self._freed = asyncio.Condition()

    def capacity(self) -> int:
        return max(sum(concurrency(self.wb.caller, e) for e in self.wb.settings.endpoints), 1)

    async def endpoints_for(self, model: str) -> list[str]:
        if model not in self._endpoints:
            self._endpoints[model] = (await locate(self.wb.caller, model)).endpoints
        return self._endpoints[model]

    async def run(self, kind: JobKind, job: JobRow, step: StepRow) -> StepOutcome:
        if not step.model:
            return StepOutcome(result=await kind.compute(job, step, None))
        endpoint = await self._acquire(await self.endpoints_for(step.model))
        try:
            return StepOutcome(result=await kind.compute(job, step, endpoint), endpoint=endpoint)
        finally:
            async with self._freed:
                self.in_flight[endpoint] -= 1
                self._freed.notify_all()

    async def _acquire(self, endpoints: list[str]) -> str:
        """The least busy endpoint with room under its concurrency limit (waits for one)."""
        async with self._freed:
            while True:
                room = [e for e in endpoints
                        if self.in_flight.get(e, 0) < concurrency(self.wb.caller, e)]
                if room:
                    pick = min(room, key=lambda e: (self.in_flight.get(e, 0), endpoints.index(e)))
                    self.in_flight[pick] = self.in_flight.get(pick, 0) + 1
                    return pick
                await self._freed.wait()

    async def aclose(self) -> None:
        pass

