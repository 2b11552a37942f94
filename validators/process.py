"""Running a program with a time limit that always holds: the one runner for gate tools,
test commands and approved shell commands.

The process starts in its own session, so the limit (or a cancelled caller) kills the
whole process group (go build's compile workers, pytest's workers, npm's node) and the
call returns on time; whatever the program left running is killed when it exits. Output
is read as it comes, so a killed run still has what it printed, and is capped: a gate
keeps the head (diagnostics come first), a test run the tail (failures and counts come
last).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

# Output beyond this is cut, so a runaway program cannot fill memory.
MAX_OUTPUT_BYTES = 4 * 1024 * 1024
# After the process exits (or is killed), how long its pipes may take to drain. Only
# a process that left our session can hold them open longer; we stop reading then.
_DRAIN_S = 5.0

Keep = Literal["head", "tail"]


class _Buffer:
    """At most `limit` bytes: the first ones ("head") or the last ones ("tail")."""

    def __init__(self, limit: int, keep: Keep) -> None:
        self.limit = limit
        self.keep = keep
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        if self.keep == "head":
            room = self.limit - len(self.data)
            self.data += chunk[: max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)
            return
        self.data += chunk
        if len(self.data) > 2 * self.limit:
            cut = len(self.data) - self.limit
            self.dropped += cut
            del self.data[:cut]

    def text(self) -> str:
        if self.keep == "head":
            return bytes(self.data).decode("utf-8", "replace")
        data = self.data[-self.limit :] if len(self.data) > self.limit else self.data
        dropped = self.dropped + len(self.data) - len(data)
        text = bytes(data).decode("utf-8", "replace")
        return f"[… {dropped} bytes of earlier output dropped]\n{text}" if dropped else text


class _Collector(asyncio.SubprocessProtocol):
    def __init__(self, buffers: dict[int, _Buffer], exited: asyncio.Future[None],
                 drained: asyncio.Future[None], on_output: Callable[[bytes], None] | None) -> None:
        self.buffers = buffers
        self.on_output = on_output
        self.open_pipes = set(buffers)
        self.exited = exited
        self.drained = drained

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.buffers[fd].add(data)
        if self.on_output is not None and fd == 1:
            self.on_output(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self.open_pipes.discard(fd)
        if not self.open_pipes and not self.drained.done():
            self.drained.set_result(None)

    def process_exited(self) -> None:
        # Called on exit even while a leftover child still holds a pipe open.
        if not self.exited.done():
            self.exited.set_result(None)


@dataclass
class LimitedRun:
    argv: list[str]
    returncode: int | None = None  # None when killed at the time limit
    stdout: str = ""  # with merge_stderr, stdout and stderr interleaved as a terminal shows them
    stderr: str = ""
    timed_out: bool = False
    duration_s: float = 0.0
    start_error: str = ""  # the program could not be started at all


async def run_limited(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    stdin: bytes | None = None,
    merge_stderr: bool = False,
    keep: Keep = "head",
    max_bytes: int = MAX_OUTPUT_BYTES,
    on_output: Callable[[bytes], None] | None = None,
) -> LimitedRun:
    """Run `argv` in `cwd` with exactly `env`; at `timeout_s` kill its process group.
    `on_output` sees each chunk of stdout as it arrives (live progress of long runs)."""
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    buffers = {1: _Buffer(max_bytes, keep)}
    if not merge_stderr:
        buffers[2] = _Buffer(max_bytes, keep)
    exited: asyncio.Future[None] = loop.create_future()
    drained: asyncio.Future[None] = loop.create_future()
    try:
        transport, _ = await loop.subprocess_exec(
            lambda: _Collector(buffers, exited, drained, on_output),
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        return LimitedRun(
            argv=list(argv),
            start_error=f"cannot start {argv[0]}: {exc.strerror or exc}",
            duration_s=time.perf_counter() - started,
        )
    if stdin is not None:
        pipe = transport.get_pipe_transport(0)
        if pipe is not None:
            pipe.write(stdin)
            pipe.close()
    pid = transport.get_pid()
    timed_out = False
    try:
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(exited)
        except TimeoutError:
            timed_out = True
    finally:
        # On time out: the run. After an exit: whatever it left running. When our caller
        # is cancelled: everything, and the exit is still collected.
        if _kill_group(pid):
            await _group_gone(pid)
        await _bounded(exited)
        await _bounded(drained)
        transport.close()
    return LimitedRun(
        argv=list(argv),
        returncode=None if timed_out else transport.get_returncode(),
        stdout=buffers[1].text(),
        stderr=buffers[2].text() if 2 in buffers else "",
        timed_out=timed_out,
        duration_s=time.perf_counter() - started,
    )


async def _bounded(future: asyncio.Future[None]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(future), _DRAIN_S)
    except TimeoutError:
        pass


def _kill_group(pid: int | None) -> bool:
    """SIGKILL to the run's process group; whether anything was left to kill."""
    if pid is None:
        return False
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False  # the group is gone already
    return True


async def _group_gone(pgid: int) -> None:
    """Until every member of the killed group has died (bounded): a SIGKILL is delivered
    when the kernel next schedules the process, so on a loaded machine a grandchild can
    still be running when killpg returns. A pidfd becomes readable at its process's exit,
    so this waits on events, not on a clock."""
    loop = asyncio.get_running_loop()
    waits: list[asyncio.Future[None]] = []
    fds: list[int] = []
    for member in _group_members(pgid):
        try:
            fd = os.pidfd_open(member)
        except OSError:
            continue  # exited meanwhile
        done: asyncio.Future[None] = loop.create_future()
        loop.add_reader(fd, lambda f=done: f.done() or f.set_result(None))
        waits.append(done)
        fds.append(fd)
    try:
        if waits:
            await asyncio.wait(waits, timeout=_DRAIN_S)
    finally:
        for fd in fds:
            loop.remove_reader(fd)
            os.close(fd)


def _group_members(pgid: int) -> list[int]:
    """Live processes in the group, from /proc (Linux); none where /proc is missing."""
    members: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return members
    for name in entries:
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        # After the command name: state, ppid, pgrp. A zombie has died already.
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            members.append(int(name))
    return members


# -- a gate's tool ----------------------------------------------------------------------


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
    """A gate's tool in `cwd` with the process's environment plus `env`; its stdout and
    stderr apart, each cut after its first 4 MiB. A tool killed at the limit says only that."""
    run = await run_limited(
        argv, cwd=cwd, env={**os.environ, **(env or {})}, timeout_s=timeout_s, stdin=stdin
    )
    if run.timed_out:
        return ToolRun(argv=run.argv, timed_out=True, duration_s=run.duration_s)
    return ToolRun(
        argv=run.argv, returncode=run.returncode, stdout=run.stdout, stderr=run.stderr,
        duration_s=run.duration_s, start_error=run.start_error,
    )
