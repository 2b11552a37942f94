"""The one SQLite database where Ingle keeps its state.

Opened only through `Store`: it applies forward migrations in order and records
the schema version, so later capabilities add their tables by appending a
migration to `memory/migrations.py`, never by creating tables ad hoc.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from types import TracebackType

import sqlite_utils

from ingle.memory.migrations import MIGRATIONS


class StoreError(Exception):
    """The database could not be opened or is newer than this Ingle."""


class Store:
    """A handle on the state database (WAL mode; safe for one writer, many readers)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), timeout=10, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the state database {path}: {exc}") from exc
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        self.db = sqlite_utils.Database(conn)
        self._migrate()

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        current = self.schema_version
        target = len(MIGRATIONS)
        if current > target:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this Ingle ({target}); "
                "upgrade Ingle or point INGLE_HOME at another directory"
            )
        for version in range(current, target):
            with self.db.conn:  # one transaction per migration
                MIGRATIONS[version](self.db)
                self.db.execute(f"PRAGMA user_version = {version + 1}")

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def now() -> float:
    """Timestamps are UNIX seconds (float) throughout the store."""
    return time.time()
