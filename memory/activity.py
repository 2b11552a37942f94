"""Activity stamps, one row per Ingle process (`activity`): when the user last touched the
app, which interactive model requests are in flight, when the last one finished, and
which app processes are open.

The idle gate of the job runner reads them across processes: a headless `ingle jobs run`
pauses when the app open in another terminal is typed into, or when `ingle ask` or an MCP
client is waiting on a model. The rules that read the rows live in core (core/activity.py).
"""

from __future__ import annotations

from typing import Literal

from ingle.memory.store import Store
from pydantic import BaseModel

TABLE = "activity"
# Rows of processes that ended longer ago than this are dropped when a process starts.
KEEP_S = 86_400.0

ProcessKind = Literal["app", "cli"]
InputKind = Literal["key", "mouse"]


class ActivityRow(BaseModel):
    id: str  # one process: its pid and start time
    pid: int
    kind: ProcessKind
    started_at: float
    closed_at: float | None = None
    last_input_at: float | None = None
    last_input_kind: InputKind | None = None
    requests_in_flight: int = 0
    last_request_at: float | None = None  # the last interactive request's start or end


def save_row(store: Store, row: ActivityRow) -> None:
    """Insert or replace this process's row (one small write; callers throttle input)."""
    with store.db.conn:
        store.db[TABLE].upsert(row.model_dump(), pk="id")


def activity_rows(store: Store) -> list[ActivityRow]:
    rows = store.db.query(f"SELECT * FROM {TABLE} ORDER BY started_at")
    return [ActivityRow.model_validate(row) for row in rows]


def prune_rows(store: Store, before: float) -> int:
    """Drop rows whose process ended (or last did anything) before `before`."""
    with store.db.conn:
        cursor = store.db.execute(
            f"DELETE FROM {TABLE} WHERE COALESCE(closed_at, "
            "MAX(started_at, COALESCE(last_input_at, 0), COALESCE(last_request_at, 0))) < ?",
            [before],
        )
    return cursor.rowcount
