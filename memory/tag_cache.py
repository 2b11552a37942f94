"""The repo map's cache of parsed tags, one row per source file, in the state database.

A row is valid while the file's (mtime_ns, size) and the extractor's format number match;
the caller compares those and re-parses what changed. Tags are stored as JSON text the
caller owns (this module never interprets them), split in two: the part ranking needs for
every file, and the outline only read for the files that end up in a map.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ingle.memory.store import Store

TABLE = "repo_tags"
_BATCH = 500  # paths per IN (...) query, well under SQLite's variable limit


class CachedTags(BaseModel):
    """A cached file as read back for ranking."""

    model_config = ConfigDict(frozen=True)

    path: str
    mtime_ns: int
    size: int
    tags: str


class CachedOutline(BaseModel):
    """A cached file's outline, with the identity of the file version it describes."""

    model_config = ConfigDict(frozen=True)

    path: str
    mtime_ns: int
    size: int
    outline: str


class TagCacheEntry(BaseModel):
    """A freshly parsed file to store."""

    model_config = ConfigDict(frozen=True)

    path: str
    mtime_ns: int
    size: int
    tags: str
    outline: str


class TagCacheError(Exception):
    """The cache could not be read or written (locked, corrupt or unwritable database)."""


class TagCache:
    """The cached tags of one repository (rows keyed by the repository's resolved path).

    The map builds in a worker thread while the engine writes to the same database from
    its own; each operation here therefore uses a connection of its own (the database is
    in WAL mode), so neither side's transactions can commit or roll back the other's.
    An in-memory store has no file to share, so its connection is used directly.
    """

    def __init__(self, store: Store, repo: Path, tags_format: int) -> None:
        self._store = store
        self._repo = str(repo.resolve())
        self._format = tags_format

    def load(self) -> list[CachedTags]:
        """Every row of this repository written by the current extractor format; rows of
        another format are dropped (an older format kept string literal values)."""
        with self._connection() as conn:
            with conn:
                conn.execute(
                    f"DELETE FROM {TABLE} WHERE repo = ? AND format != ?", [self._repo, self._format]
                )
            rows = conn.execute(
                f"SELECT path, mtime_ns, size, tags FROM {TABLE} WHERE repo = ? AND format = ?",
                [self._repo, self._format],
            ).fetchall()
        return [
            CachedTags(path=path, mtime_ns=mtime_ns, size=size, tags=tags)
            for path, mtime_ns, size, tags in rows
        ]

    def outlines(self, paths: Iterable[str]) -> list[CachedOutline]:
        """The stored outlines of those of `paths` that have a current row."""
        wanted = list(paths)
        found: list[CachedOutline] = []
        with self._connection() as conn:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start : start + _BATCH]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT path, mtime_ns, size, outline FROM {TABLE} "
                    f"WHERE repo = ? AND format = ? AND path IN ({marks})",
                    [self._repo, self._format, *chunk],
                ).fetchall()
                found += [
                    CachedOutline(path=path, mtime_ns=mtime_ns, size=size, outline=outline)
                    for path, mtime_ns, size, outline in rows
                ]
        return found

    def save(self, entries: Sequence[TagCacheEntry]) -> None:
        """Insert or replace rows, all in one transaction."""
        if not entries:
            return
        rows = [
            (self._repo, e.path, e.mtime_ns, e.size, self._format, e.tags, e.outline)
            for e in entries
        ]
        with self._connection() as conn, conn:
            conn.executemany(
                f"INSERT OR REPLACE INTO {TABLE} "
                "(repo, path, mtime_ns, size, format, tags, outline) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop rows for files that no longer exist (or are no longer mapped)."""
        rows = [(self._repo, path) for path in paths]
        if not rows:
            return
        with self._connection() as conn, conn:
            conn.executemany(f"DELETE FROM {TABLE} WHERE repo = ? AND path = ?", rows)

    def count(self) -> int:
        with self._connection() as conn:
            return int(
                conn.execute(
                    f"SELECT count(*) FROM {TABLE} WHERE repo = ?", [self._repo]
                ).fetchone()[0]
            )

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation; SQLite errors become TagCacheError."""
        shared = str(self._store.path) == ":memory:"
        try:
            conn = self._store.db.conn if shared else sqlite3.connect(self._store.path, timeout=10)
            if not shared:
                conn.execute("PRAGMA synchronous=NORMAL")  # as Store sets: WAL makes it safe
        except sqlite3.Error as exc:
            raise TagCacheError(_explain(self._store.path, exc)) from exc
        try:
            yield conn
        except sqlite3.Error as exc:
            raise TagCacheError(_explain(self._store.path, exc)) from exc
        finally:
            if not shared:
                conn.close()


def _explain(path: Path, exc: sqlite3.Error) -> str:
    return (
        f"the repo map's tag cache in {path} failed ({exc}); the map is built without it. "
        "If the database is locked, another Ingle may be writing; if it is damaged, move it "
        "aside (Ingle creates a new one)"
    )
