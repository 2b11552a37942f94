"""Progress the lab publishes while it works (register, A/B trials, the creator)."""

from __future__ import annotations

from pydantic import BaseModel


class RegisterProgress(BaseModel):
    """One status line from /api/create, or the read-back step after it."""

    persona: str
    status: str
    fraction: float | None = None

    @property
    def line(self) -> str:
        return f"{self.status} {self.fraction:.0%}" if self.fraction is not None else self.status
