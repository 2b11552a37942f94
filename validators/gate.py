"""The gate protocol: changed files and a root in, one GateResult out.

Every gate is an object with a `name`, the file suffixes it handles, and an async
`run(files, root)`. Paths in and out are relative to `root` (a repository, or a
temporary tree holding a candidate edit). Gates never raise for bad input or a
missing tool: they return `could_not_run` with how to fix it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field

from ingle.validators.results import Diagnostic, GateResult, GateStatus, verdict
from ingle.validators.settings import GateSettings


class GateEnv(BaseModel):
    """What every gate needs besides the files: settings and Ingle's own directories.

    Core passes `IngleDirs.tools` as tools_dir (validators cannot import core)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: GateSettings = Field(default_factory=GateSettings)
    tools_dir: Path = Field(description="Ingle's cache of tools it installs (ESLint, tsc)")
    progress: Callable[[str], None] | None = Field(
        None, exclude=True, description="receives progress lines (tool installs)"
    )

    @property
    def go_cache(self) -> Path:
        # Persistent, so only the first Go build of a toolchain compiles the stdlib.
        return self.tools_dir / "go-build-cache"

    @property
    def npm_prefix(self) -> Path:
        return self.tools_dir / "npm"

    def say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(line)


class Gate(Protocol):
    name: str
    suffixes: tuple[str, ...]

    async def run(self, files: Sequence[str], root: Path) -> GateResult: ...


class Stopwatch:
    """Measures a gate from its first step, so every result carries its duration."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self._start


def finished(
    gate: str,
    files: Sequence[str],
    diagnostics: Sequence[Diagnostic],
    watch: Stopwatch,
    detail: str = "",
    artifacts: Sequence[str] = (),
) -> GateResult:
    return GateResult(
        gate=gate,
        status=verdict(diagnostics),
        files=list(files),
        diagnostics=list(diagnostics),
        duration_s=watch.elapsed(),
        detail=detail,
        artifacts=list(artifacts),
    )


def could_not_run(
    gate: str, files: Sequence[str], why: str, hint: str, watch: Stopwatch | None = None
) -> GateResult:
    return GateResult(
        gate=gate,
        status=GateStatus.COULD_NOT_RUN,
        files=list(files),
        detail=why,
        install_hint=hint,
        duration_s=watch.elapsed() if watch else 0.0,
    )


def not_applicable(gate: str) -> GateResult:
    return GateResult(gate=gate, status=GateStatus.NOT_APPLICABLE)


def timed_out(
    gate: str, files: Sequence[str], what: str, limit: float, watch: Stopwatch
) -> GateResult:
    """A tool that overran its limit: reported, never waited for. Counts as could-not-run:
    a slow machine is not evidence that the code is wrong."""
    return could_not_run(
        gate,
        files,
        f"{what} did not finish within {limit:g} s and was stopped",
        f"raise gates.timeouts.{gate} if this machine is slow",
        watch,
    )


def relative_to_root(path: str | Path, root: Path, cwd: Path | None = None) -> str:
    """A tool's path (absolute, or relative to the directory it ran in) as a root-relative
    path; left as given when it points outside the root. Symlinks are not followed
    first: in a candidate tree, unchanged files are symlinks into the repository."""
    p = Path(path)
    if not p.is_absolute():
        p = (cwd or root) / p
    pairs = (
        (Path(os.path.normpath(p.absolute())), Path(os.path.normpath(root.absolute()))),
        (p.resolve(), root.resolve()),
    )
    for candidate, base in pairs:
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)
