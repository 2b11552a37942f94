"""Running a shell command the person approved, with a time limit and bounded output.

The same process runner as the test gate: its own session, so the limit (or a
cancelled turn) kills the command's whole process group, and output interleaved as a
terminal shows it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from ingle.core.test_runs.process import run_process

MAX_OUTPUT = 20_000


class ShellResult(BaseModel):
    exit_code: int
    output: str  # stdout and stderr interleaved, trimmed to the last MAX_OUTPUT characters
    timed_out: bool = False


async def run_shell_command(command: str, cwd: Path, timeout_s: float = 300.0) -> ShellResult:
    ran = await run_process(["/bin/sh", "-c", command], cwd=cwd, env=os.environ, timeout_s=timeout_s)
    if ran.start_error:
        return ShellResult(exit_code=127, output=ran.start_error)
    text = ran.output
    if len(text) > MAX_OUTPUT:
        text = "...\n" + text[-MAX_OUTPUT:]
    if ran.timed_out:
        return ShellResult(exit_code=-9, output=f"{text}\ntimed out after {timeout_s:.0f}s", timed_out=True)
    return ShellResult(exit_code=ran.exit_code or 0, output=text)
