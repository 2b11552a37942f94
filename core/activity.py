"""What the user is doing right now: input in the app and interactive model requests.

One `Activity` per process (the workbench holds it). The app stamps every key and mouse
event; every model call through the persona caller and every coding turn counts as an
interactive request while it runs, unless it runs inside `background()` (the job runner's
own steps). Stamps reach this process's waiters at once (`changed()`: the idle gate's
wake-up) and the store for other processes: requests on every start and end, input at
most once per `input_write_s` so typing does not write per key.

The clock is injected (`Clock`): the idle gate's timeouts and the stamps run on it, so
tests move time by hand.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

from ingle.memory.activity import (
    KEEP_S,
    ActivityRow,
    InputKind,
    activity_rows,
    prune_rows,
    save_row,
)
from ingle.memory.store import Store
from pydantic import BaseModel

log = logging.getLogger(__name__)
T = TypeVar("T")


class Clock(Protocol):
    def now(self) -> float:
        """UNIX seconds (stamps are compared across processes)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class ActivitySnapshot(BaseModel):
    """Every process's stamps, merged: what the idle gate's user and request rules read."""

    at: float
    apps_open: int = 0
    last_input_at: float | None = None  # in an open app
    last_input_kind: InputKind | None = None
    requests_in_flight: int = 0
    last_request_at: float | None = None  # start or end of the last interactive request


class Activity:
    def __init__(self, store: Store, clock: Clock | None = None, *, input_write_s: float = 5.0,
                 alive: Callable[[int], bool] = pid_alive) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.input_write_s = input_write_s
        self._alive = alive
        pid = os.getpid()
        self._row = ActivityRow(id=f"{pid}-{uuid.uuid4().hex[:12]}", pid=pid, kind="cli",
                                started_at=self.clock.now())
        self._saved = False
        self._input_written_at: float | None = None
        # Per instance, so two workbenches in one process (tests) do not share the mark.
        self._background: ContextVar[bool] = ContextVar(f"ingle-background-{id(self)}",
                                                        default=False)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    # -- the app -------------------------------------------------------------------------

    def open_app(self) -> None:
        """This process is the app: the user is here now. Old rows are pruned."""
        now = self.clock.now()
        self._row.kind = "app"
        self._row.last_input_at, self._row.last_input_kind = now, "key"
        self._input_written_at = now
        self._save()
        try:
            prune_rows(self.store, now - KEEP_S)
        except sqlite3.Error as exc:
            log.warning("could not prune activity rows: %s", exc)
        self._notify()

    def stamp_input(self, kind: InputKind = "key") -> None:
        """A key or mouse event in the app: waiters know at once, the store soon."""
        now = self.clock.now()
        self._row.last_input_at, self._row.last_input_kind = now, kind
        written = self._input_written_at
        if self._row.kind == "app" and (written is None or now - written >= self.input_write_s):
            self._input_written_at = now
            self._save()
        self._notify()

    def close(self) -> None:
        """The process ends: its app no longer counts as open, its requests as in flight."""
        if not self._saved or self._row.closed_at is not None:
            return
        self._row.closed_at = self.clock.now()
        self._row.requests_in_flight = 0
        self._save()
        self._notify()

    # -- interactive requests ------------------------------------------------------------

    @contextmanager
    def background(self) -> Iterator[None]:
        """Model calls made inside (and in tasks started inside) are the job runner's own,
        not the user's: they do not count as interactive requests."""
        token = self._background.set(True)
        try:
            yield
        finally:
            self._background.reset(token)

    def in_background(self) -> bool:
        return self._background.get()

    @contextmanager
    def request(self) -> Iterator[None]:
        """One interactive request (a model call, a coding turn) while the block runs."""
        if self.in_background():
            yield
            return
        self._request_step(+1)
        try:
            yield
        finally:
            self._request_step(-1)

    async def tracked(self, stream: AsyncIterator[T]) -> AsyncIterator[T]:
        """`stream`, counted as an interactive request from its first item to its end."""
        with self.request():
            async for item in stream:
                yield item

    def _request_step(self, delta: int) -> None:
        self._row.requests_in_flight = max(0, self._row.requests_in_flight + delta)
        self._row.last_request_at = self.clock.now()
        self._save()
        self._notify()

    # -- reading -------------------------------------------------------------------------

    def snapshot(self) -> ActivitySnapshot:
        """This process's stamps (exact) merged with every other process's (from the store)."""
        rows = [self._row]
        try:
            rows += [row for row in activity_rows(self.store) if row.id != self._row.id]
        except sqlite3.Error as exc:  # the store is busy: this process's own stamps still hold
            log.warning("could not read activity stamps: %s", exc)
        snapshot = ActivitySnapshot(at=self.clock.now())
        for row in rows:
            live = row.closed_at is None and (row is self._row or self._alive(row.pid))
            if row.last_request_at is not None:
                snapshot.last_request_at = max(snapshot.last_request_at or 0.0,
                                               row.last_request_at)
            if not live:
                continue
            snapshot.requests_in_flight += row.requests_in_flight
            if row.kind != "app":
                continue
            snapshot.apps_open += 1
            if row.last_input_at is not None and (snapshot.last_input_at is None
                                                  or row.last_input_at > snapshot.last_input_at):
                snapshot.last_input_at, snapshot.last_input_kind = (row.last_input_at,
                                                                    row.last_input_kind)
        return snapshot

    def changed(self) -> asyncio.Future[None]:
        """A future that completes at this process's next stamp (input, request, close)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._waiters = [(lp, f) for lp, f in self._waiters if not f.done()]
        self._waiters.append((loop, future))
        return future

    # -- internals -----------------------------------------------------------------------

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for loop, future in waiters:
            if future.done() or loop.is_closed():
                continue
            if loop is running:
                future.set_result(None)
            else:  # a stamp from another thread (a worker thread's model call)
                loop.call_soon_threadsafe(_resolve, future)

    def _save(self) -> None:
        try:
            save_row(self.store, self._row)
            self._saved = True
        except sqlite3.Error as exc:  # a stamp is worth less than the work it stamps
            log.warning("could not record activity in %s: %s", self.store.path, exc)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
