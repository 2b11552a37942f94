"""A clock the test moves by hand (core.activity.Clock): `now()` stands still until
`advance(s)`, which wakes every `sleep` whose time has come."""

from __future__ import annotations

import asyncio


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + max(0.0, seconds), future))
        self._wake()
        await future

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._wake()

    def set(self, now: float) -> None:
        self._now = now
        self._wake()

    @property
    def sleepers(self) -> int:
        """Sleeps waiting for time to pass (a test can wait until something sleeps)."""
        return sum(1 for _, future in self._sleepers if not future.done())

    def _wake(self) -> None:
        waiting = []
        for deadline, future in self._sleepers:
            if future.done():
                continue
            if deadline <= self._now:
                future.set_result(None)
            else:
                waiting.append((deadline, future))
        self._sleepers = waiting
