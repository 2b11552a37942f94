"""Run a gate's tool as a subprocess with a time limit that always holds.

Each tool runs in its own process group, so a timeout kills the tool and anything it
started (go build's compile workers, npm's node), and the gate returns on time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

# Tool output beyond this is cut: diagnostics come first and a runaway tool must not
# fill memory.
_MAX_OUTPUT = 4 * 1024 * 1024


class ToolRun(BaseModel):
    argv: list[str]
    returncode: int | None = None  # None when killed on timeout
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False
    duration_s: float = 0.0
    start_error: str = ""  # the executable could not be started at all

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.start_error


async def run_tool(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> ToolRun:
    """Run argv in cwd; on timeout kill its whole process group and say so."""
    started = time.perf_counter()
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=full_env,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return ToolRun(
            argv=list(argv),
            start_error=f"cannot start {argv[0]}: {exc.strerror or exc}",
            duration_s=time.perf_counter() - started,
        )
    try:
        async with asyncio.timeout(timeout_s):
            out, err = await proc.communicate(stdin)
    except TimeoutError:
        _kill_group(proc.pid)
        await proc.wait()
        return ToolRun(argv=list(argv), timed_out=True, duration_s=time.perf_counter() - started)
    except asyncio.CancelledError:
        _kill_group(proc.pid)
        await proc.wait()
        raise
    return ToolRun(
        argv=list(argv),
        returncode=proc.returncode,
        stdout=out[:_MAX_OUTPUT].decode("utf-8", "replace"),
        stderr=err[:_MAX_OUTPUT].decode("utf-8", "replace"),
        duration_s=time.perf_counter() - started,
    )


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
