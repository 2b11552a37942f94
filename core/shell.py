"""Running a shell command the person approved, with a time limit and bounded output."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from pydantic import BaseModel

MAX_OUTPUT = 20_000


class ShellResult(BaseModel):
    exit_code: int
    output: str  # stdout and stderr interleaved, trimmed to the last MAX_OUTPUT characters
    timed_out: bool = False


async def run_shell_command(command: str, cwd: Path, timeout_s: float = 300.0) -> ShellResult:
    process = await asyncio.create_subprocess_shell(
        command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL, start_new_session=True,
    )
    try:
        async with asyncio.timeout(timeout_s):
            out, _ = await process.communicate()
    except (TimeoutError, asyncio.CancelledError) as exc:
        # Kill the whole group: a command's children must not outlive it.
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        await process.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        return ShellResult(exit_code=-9, output=f"timed out after {timeout_s:.0f}s", timed_out=True)
    text = out.decode("utf-8", errors="replace")
    if len(text) > MAX_OUTPUT:
        text = "...\n" + text[-MAX_OUTPUT:]
    return ShellResult(exit_code=process.returncode or 0, output=text)
