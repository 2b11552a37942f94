"""Running untrusted code (a model's reply) in a subprocess: a temporary directory, a time
limit, resource limits, and the whole process group killed when time is up.

This is a guard, not a sandbox: the code runs as the user. The limits stop the usual
accidents of generated code (infinite loops, runaway memory, huge files, fork storms
inside the group's lifetime); the temporary directory keeps the user's files out of reach
of relative paths.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence

from pydantic import BaseModel

MEMORY_LIMIT_BYTES = 2 * 1024**3
FILE_LIMIT_BYTES = 64 * 1024**2
OUTPUT_KEEP = 4000


class ProcessResult(BaseModel):
    returncode: int | None  # None: killed at the time limit
    output: str
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _limits(cpu_s: int) -> None:  # runs in the child between fork and exec
    import resource

    for limit, value in ((resource.RLIMIT_AS, MEMORY_LIMIT_BYTES),
                         (resource.RLIMIT_FSIZE, FILE_LIMIT_BYTES),
                         (resource.RLIMIT_CPU, cpu_s), (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            pass  # a lower hard limit is already in place


async def run_limited(argv: Sequence[str], cwd: str, timeout_s: float,
                      env: dict[str, str] | None = None) -> ProcessResult:
    """Run `argv` in `cwd`; stdout and stderr together, cut to the last few thousand chars."""
    cpu = int(timeout_s) + 2
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=cwd, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        preexec_fn=(lambda: _limits(cpu)) if sys.platform != "win32" else None,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except TimeoutError:
        _kill_group(proc.pid)
        out, _ = await proc.communicate()
        return ProcessResult(returncode=None, output=_tail(out), timed_out=True)
    except asyncio.CancelledError:
        _kill_group(proc.pid)
        raise
    return ProcessResult(returncode=proc.returncode, output=_tail(out))


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _tail(data: bytes | None) -> str:
    text = (data or b"").decode("utf-8", "replace")
    return text[-OUTPUT_KEEP:]
