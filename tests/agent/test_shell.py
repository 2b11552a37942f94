"""Approved shell commands: output kept, exit status reported, the time limit holds."""

from __future__ import annotations

import time
from pathlib import Path

from ingle.core.agent.shell import run_shell_command


async def test_output_and_exit_status(tmp_path: Path) -> None:
    result = await run_shell_command("echo out; echo err >&2; exit 3", tmp_path)
    assert result.exit_code == 3 and "out" in result.output and "err" in result.output


async def test_a_hanging_command_is_killed_at_the_limit(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_shell_command("echo started; sleep 60", tmp_path, timeout_s=1)
    assert time.monotonic() - started < 10
    assert result.timed_out and "started" in result.output and "timed out after 1s" in result.output
