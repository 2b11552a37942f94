"""A small typed publish/subscribe for long-running work (jobs, eval runs, lab trials).

Services publish pydantic events; panes and the CLI's progress lines subscribe to the
event types they show. Delivery is in-process and in order, per subscriber, through an
asyncio queue, so a slow subscriber never blocks the publisher: it only falls behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pydantic import BaseModel


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[tuple[tuple[type[BaseModel], ...], asyncio.Queue[BaseModel]]] = []

    def publish(self, event: BaseModel) -> None:
        """Hand `event` to every subscriber of its type (or a base of it). Never blocks."""
        for kinds, queue in list(self._subscribers):
            if isinstance(event, kinds):
                queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(
        self, *kinds: type[BaseModel]
    ) -> AsyncIterator[asyncio.Queue[BaseModel]]:
        """`async with bus.subscribe(JobProgress) as events: event = await events.get()`.
        With no kinds, every event."""
        entry: tuple[tuple[type[BaseModel], ...], asyncio.Queue[BaseModel]] = (
            kinds or (BaseModel,), asyncio.Queue()
        )
        self._subscribers.append(entry)
        try:
            yield entry[1]
        finally:
            self._subscribers.remove(entry)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)
