"""What the job runner asks of the idle gate, and what the gate answers.

The gate (core/jobs/idle.py) decides from the user's input, interactive requests, the GPU
and the schedule; the runner (core/jobs/runner.py) only claims steps while the gate says
idle, and drops its in-flight step the moment it says busy. This module is the seam
between the two, so each side is built and tested against the other's contract.
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel


class IdleState(BaseModel):
    idle: bool
    # In words, for the pane and `ingle jobs ls`: why jobs run or wait right now, e.g.
    # "waiting: a key was pressed 14 s ago (idle after 120 s)" or "running: inside the
    # schedule window 01:00-06:00".
    reason: str
    # Each rule's own verdict, e.g. {"input": "no input for 3 min", "gpu": "12% busy"}.
    rules: dict[str, str] = {}
    # Seconds until the gate may change by itself (a timeout running out), when known.
    recheck_in_s: float | None = None


class IdleGate(Protocol):
    def state(self) -> IdleState:
        """The gate's verdict now."""
        ...

    async def until_idle(self) -> IdleState:
        """Returns once the gate says idle (at once if it already does)."""
        ...

    async def until_busy(self) -> IdleState:
        """Returns the moment the gate says busy: a key press in the app must reach the
        runner within milliseconds, so this is woken by events, not by polling."""
        ...
