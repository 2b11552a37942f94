"""Shared parts of the idle gate's tests: a store, a fake clock, a gate over them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ingle.core.activity import Activity
from ingle.core.config.jobs import JobSettings
from ingle.core.jobs.idle import ActivityGate
from ingle.memory.store import Store

from tests.fakes.clock import FakeClock


class GateKit:
    """A real store and Activity on a fake clock, and a gate reading them."""

    def __init__(self, tmp_path: Path, **settings: Any) -> None:
        self.clock = FakeClock()
        self.store = Store(tmp_path / "ingle.db")
        self.activity = Activity(self.store, self.clock)
        self.settings = JobSettings(**settings)
        self.gate = ActivityGate(self.settings, self.activity, clock=self.clock)

    def other_process(self, **kwargs: Any) -> Activity:
        """Another Ingle process's stamps, through its own handle on the same database."""
        return Activity(Store(self.store.path), self.clock, **kwargs)


async def until_sleeping(clock: FakeClock, count: int = 1,
                         unless: asyncio.Future[Any] | None = None) -> None:
    """Let the loop run until `count` waits are parked on the clock (no time passes), or
    `unless` is done."""
    async def parked() -> None:
        while clock.sleepers < count and not (unless is not None and unless.done()):
            await asyncio.sleep(0)  # a yield to the loop (and a GPU reading's thread)

    await asyncio.wait_for(parked(), 60)
