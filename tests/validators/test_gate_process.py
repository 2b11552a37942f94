"""run_tool: output, exit status, and a time limit that kills the whole process group."""

from __future__ import annotations

from pathlib import Path

from ingle.validators.process import run_tool


async def test_output_and_status_come_back(tmp_path: Path) -> None:
    run = await run_tool(["sh", "-c", "echo out; echo err >&2; exit 3"], cwd=tmp_path, timeout_s=30)
    assert (run.returncode, run.stdout, run.stderr, run.timed_out) == (3, "out\n", "err\n", False)
    assert not run.ok


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def test_a_timeout_kills_the_tool_and_everything_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = f"sleep 300 & echo $! > {pid_file}; wait"
    run = await run_tool(["sh", "-c", script], cwd=tmp_path, timeout_s=0.5)
    assert run.timed_out and run.returncode is None
    assert not _alive(int(pid_file.read_text()))


async def test_a_missing_program_is_reported_not_raised(tmp_path: Path) -> None:
    run = await run_tool([str(tmp_path / "no-such-tool")], cwd=tmp_path, timeout_s=5)
    assert run.start_error.startswith(f"cannot start {tmp_path / 'no-such-tool'}: ")
    assert not run.ok
