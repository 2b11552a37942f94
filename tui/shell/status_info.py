"""What the status bar shows on every pane: the pane, its fields, and the app-wide figures."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GpuReading(BaseModel):
    used_bytes: int
    total_bytes: int

    @property
    def free_bytes(self) -> int:
        return max(self.total_bytes - self.used_bytes, 0)


class SharedStatus(BaseModel):
    """Figures the app keeps for every pane."""

    gpu: GpuReading | None = None  # None: no NVIDIA GPU (the field is hidden)
    claude_today_usd: float | None = None
    jobs: str | None = None  # "jobs: 2 running" / "jobs: 1 waiting"; None: no jobs

    def segments(self) -> list[str]:
        parts = [self.jobs] if self.jobs else []
        if self.gpu is not None:
            parts.append(
                f"VRAM {self.gpu.used_bytes / 2**30:.1f}/{self.gpu.total_bytes / 2**30:.1f} GB "
                f"({self.gpu.free_bytes / 2**30:.1f} free)"
            )
        if self.claude_today_usd is not None:
            parts.append(f"Claude ${self.claude_today_usd:.2f} today")
        return parts


class BarInfo(BaseModel):
    pane: str = ""  # the open pane's title, always first
    fields: list[str] = Field(default_factory=list)  # the pane's own
    shared: SharedStatus = Field(default_factory=SharedStatus)
    busy: bool = False

    def segments(self) -> list[str]:
        return [part for part in (self.pane, *self.fields, *self.shared.segments()) if part]
