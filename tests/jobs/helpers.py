"""Shared pieces of the job runner's tests: a switchable idle gate, a fake clock, a suite."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ingle.core.jobs.idle_state import IdleState
from tests.evals.helpers import write_suite

SUITE = '''
description = "two cases"
samples = 2
[[cases]]
id = "capital"
prompt = "Capital of France? One word."
expected = "Paris"
checks = [{ type = "contains", must_pass = true }]
[[cases]]
id = "number"
prompt = "Say the number {n}."
vars = { n = "42" }
checks = [{ type = "regex", pattern = "\\\\b42\\\\b" }]
'''


def write_basic_suite(home: Path) -> None:
    directory = home / "config" / "evals"
    directory.mkdir(parents=True, exist_ok=True)
    write_suite(directory, "basic", SUITE)


class SwitchGate:
    """An IdleGate the test flips: `busy("a key was pressed")`, `idle()`."""

    def __init__(self, idle: bool = True) -> None:
        self._idle = idle
        self._reason = "running: the user is away" if idle else "waiting: the user is here"
        self._changed = asyncio.Event()

    def state(self) -> IdleState:
        return IdleState(idle=self._idle, reason=self._reason)

    def busy(self, reason: str = "waiting: a key was pressed") -> None:
        self._idle, self._reason = False, reason
        self._changed.set()

    def idle(self, reason: str = "running: the user is away") -> None:
        self._idle, self._reason = True, reason
        self._changed.set()

    async def _until(self, idle: bool) -> IdleState:
        while self._idle != idle:
            self._changed.clear()
            await self._changed.wait()
        return self.state()

    async def until_idle(self) -> IdleState:
        return await self._until(True)

    async def until_busy(self) -> IdleState:
        return await self._until(False)


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
