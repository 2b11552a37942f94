"""Running a test process with a time limit that always holds, keeping its output.

The process starts in its own session, so the limit kills the whole process group
(pytest's workers, `go test`'s test binaries, npm's node) and the call returns on
time. Output is read as it comes, so a killed run still shows what it printed.
Processes a test left running are killed when the run ends.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel

# Output beyond this keeps only its end: failures and counts come last.
MAX_OUTPUT_BYTES = 4 * 1024 * 1024
# After the process exits (or is killed), how long its pipe may take to drain. Only
# a process that left our session can hold it open longer; we stop reading then.
_DRAIN_S = 5.0


class ProcessOutcome(BaseModel):
    argv: list[str]
    exit_code: int | None = None  # None when killed at the time limit
    output: str = ""  # stdout and stderr interleaved, as a terminal shows them
    timed_out: bool = False
    duration_s: float = 0.0
    start_error: str = ""


class _TailBuffer:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        self.data += chunk
        if len(self.data) > 2 * self.limit:
            cut = len(self.data) - self.limit
            self.dropped += cut
            del self.data[:cut]

    def text(self) -> str:
        data = self.data[-self.limit :] if len(self.data) > self.limit else self.data
        dropped = self.dropped + len(self.data) - len(data)
        text = bytes(data).decode("utf-8", "replace")
        return f"[… {dropped} bytes of earlier output dropped]\n{text}" if dropped else text


class _Collector(asyncio.SubprocessProtocol):
    def __init__(
        self, buffer: _TailBuffer, exited: asyncio.Future[None], drained: asyncio.Future[None]
    ) -> None:
        self.buffer = buffer
        self.exited = exited
        self.drained = drained

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self.buffer.add(data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        if not self.drained.done():
            self.drained.set_result(None)

    def process_exited(self) -> None:
        # Called on exit even while a leftover child still holds the pipe open.
        if not self.exited.done():
            self.exited.set_result(None)


async def run_process(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout_s: float
) -> ProcessOutcome:
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    buffer = _TailBuffer(MAX_OUTPUT_BYTES)
    exited: asyncio.Future[None] = loop.create_future()
    drained: asyncio.Future[None] = loop.create_future()
    try:
        transport, _ = await loop.subprocess_exec(
            lambda: _Collector(buffer, exited, drained),
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return ProcessOutcome(
            argv=list(argv),
            start_error=f"cannot start {argv[0]}: {exc.strerror or exc}",
            duration_s=time.perf_counter() - started,
        )
    pid = transport.get_pid()
    timed_out = False
    try:
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(exited)
        except TimeoutError:
            timed_out = True
    finally:
        # On time out: the run. After an exit: whatever the tests left running. When our
        # caller is cancelled: everything, and the exit is still collected.
        _kill_group(pid)
        await _bounded(exited)
        await _bounded(drained)
        transport.close()
    return ProcessOutcome(
        argv=list(argv),
        exit_code=None if timed_out else transport.get_returncode(),
        output=buffer.text(),
        timed_out=timed_out,
        duration_s=time.perf_counter() - started,
    )


async def _bounded(future: asyncio.Future[None]) -> None:
    try:
        await asyncio.wait_for(asyncio.shield(future), _DRAIN_S)
    except TimeoutError:
        pass


def _kill_group(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already
