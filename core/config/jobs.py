"""`[jobs]` settings: when the idle-time job runner may work, and where its steps run.

Idle means all of: no input in the app for `idle_after_s`, no interactive model request
for `request_quiet_s`, and the GPU's use averaged over `gpu_samples` readings under
`gpu_util_threshold` with no foreign process holding it; or simply a time inside one of
the `schedule` windows.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SENSITIVE: dict[str, Any] = {"sensitive": True}
_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")


def parse_window(text: str) -> tuple[int, int]:
    """"01:00-06:00" -> (60, 360) in minutes of the day; the end may be before the start
    (a window across midnight, "22:00-06:00"). Raises ValueError saying how to write it."""
    match = _WINDOW.match(text.strip())
    if not match or (match[3] == "24" and match[4] != "00"):
        raise ValueError(f"{text!r} is not a time window: write HH:MM-HH:MM in 24-hour time, "
                         'e.g. "01:00-06:00" (or "22:00-06:00" across midnight)')
    start, end = int(match[1]) * 60 + int(match[2]), int(match[3]) * 60 + int(match[4])
    if start == end:
        raise ValueError(f"{text!r} is an empty window: its start and end are the same time")
    return start, end


class JobSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idle_after_s: float = Field(
        120.0, ge=0, description="seconds without key or mouse input in the app before jobs run"
    )
    request_quiet_s: float = Field(
        60.0, ge=0, description="seconds after the last interactive model request before jobs run"
    )
    gpu_util_threshold: float = Field(
        10.0, ge=0, le=100, description="jobs run while the GPU's average use is under this percent"
    )
    gpu_samples: int = Field(5, ge=1, le=120, description="GPU readings averaged")
    gpu_sample_s: float = Field(2.0, gt=0, le=600, description="seconds between GPU readings")
    model_servers: list[str] = Field(
        default_factory=lambda: ["ollama", "llama", "vllm"],
        description="GPU processes whose name contains one of these serve models (not foreign)",
    )
    schedule: list[str] = Field(
        default_factory=list,
        description='local time windows when jobs run whatever the user does, e.g. "01:00-06:00"',
    )
    # Where the work is sent: only the user's config (or a trusted repository's) may say.
    executor: Literal["local", "ray"] = Field(
        "local", json_schema_extra=SENSITIVE,
        description="local: the configured endpoints; ray: a Ray cluster (ingle[cluster])",
    )
    address: str = Field(
        "local", json_schema_extra=SENSITIVE,
        description='the Ray cluster ("ray://host:10001", "auto"), or "local" to start one here',
    )

    @field_validator("schedule")
    @classmethod
    def _windows(cls, windows: list[str]) -> list[str]:
        for window in windows:
            parse_window(window)
        return [window.strip() for window in windows]
