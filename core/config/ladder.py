"""The ladder of rungs a turn may climb and the one attempt budget that bounds it.

Every kind of retry (edit repair, gate repair, test repair, climbing a rung)
draws on the same budget, so a turn always ends: at most `repairs_per_rung`
repairs on each rung, at most `max_rungs` rungs, and a wall-clock limit.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The `think` a request sends: off/on, or a level for models that take one. Defined here,
# below the backends, because a rung carries it; core.backends.types re-exports it.
ThinkSetting = bool | Literal["low", "medium", "high", "max"]


class Rung(BaseModel):
    """One step of the ladder: which model, on which endpoint, thinking or not."""

    model: str
    endpoint: str | None = None  # None: the default endpoint; "claude" for Claude
    think: ThinkSetting | None = None
    label: str = ""

    def think_label(self) -> str:
        if self.think is None:
            return "default"
        if isinstance(self.think, bool):
            return "on" if self.think else "off"
        return self.think


class BudgetSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repairs_per_rung: int = Field(2, ge=0, le=10)
    max_rungs: int = Field(4, ge=1, le=8)
    turn_timeout_s: float = Field(600.0, gt=0)


class AttemptBudget:
    """Counts attempts; `next_step()` says whether to repair, climb, or stop."""

    def __init__(self, settings: BudgetSettings, rungs: int, clock=time.monotonic) -> None:
        self.settings = settings
        self.rungs = min(rungs, settings.max_rungs)
        self._clock = clock
        self.deadline = clock() + settings.turn_timeout_s
        self.rung = 0
        self.repairs_on_rung = 0
        self.attempts = 0

    def remaining_s(self) -> float:
        return max(self.deadline - self._clock(), 0.0)

    def expired(self) -> bool:
        return self.remaining_s() <= 0

    def start_attempt(self) -> int:
        self.attempts += 1
        return self.attempts

    def skip_rung(self) -> bool:
        """Move to the next rung without an attempt on this one (it cannot take the
        prompt); False when there is none."""
        if self.rung + 1 >= self.rungs:
            return False
        self.rung += 1
        self.repairs_on_rung = 0
        return True

    def after_failure(self, climb_now: bool = False) -> str:
        """Record a failed attempt: 'repair' (same rung), 'climb' (next rung) or 'stop'.
        `climb_now`: repairing on this rung is known to be futile (a repeated failure)."""
        if self.expired():
            return "stop"
        if not climb_now and self.repairs_on_rung < self.settings.repairs_per_rung:
            self.repairs_on_rung += 1
            return "repair"
        if self.rung + 1 < self.rungs:
            self.rung += 1
            self.repairs_on_rung = 0
            return "climb"
        return "stop"
