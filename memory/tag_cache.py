"""The repo map's cache of parsed tags, one row per source file, in the state database.

A row is valid while the file's (mtime_ns, size) and the extractor's format number match;
the caller compares those and re-parses what changed. Tags are stored as JSON text the
caller owns (this module never interprets them), split in two: the part ranking needs for
every file, and the outline only read for the files that end up in a map.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from memory.store import Store

TABLE = "repo_tags"
_BATCH = 500  # paths per IN (...) query, well under SQLite's variable limit


class CachedTags(BaseModel):
    """A cached file as read back for ranking."""

    model_config = ConfigDict(frozen=True)

    path: str
    mtime_ns: int
    size: int
    tags: str


class TagCacheEntry(BaseModel):
    """A freshly parsed file to store."""

    model_config = ConfigDict(frozen=True)

    path: str
    mtime_ns: int
    size: int
    tags: str
    outline: str


class TagCache:
    """The cached tags of one repository (rows keyed by the repository's resolved path)."""

    def __init__(self, store: Store, repo: Path, tags_format: int) -> None:
        self._db = store.db
        self._repo = str(repo.resolve())
        self._format = tags_format

    def load(self) -> list[CachedTags]:
        """Every row of this repository written by the current extractor format."""
        cursor = self._db.execute(
            f"SELECT path, mtime_ns, size, tags FROM {TABLE} WHERE repo = ? AND format = ?",
            [self._repo, self._format],
        )
        return [
            CachedTags(path=path, mtime_ns=mtime_ns, size=size, tags=tags)
            for path, mtime_ns, size, tags in cursor.fetchall()
        ]

    def outlines(self, paths: Iterable[str]) -> dict[str, str]:
        """The stored outline JSON of each of `paths` that has a current row."""
        wanted = list(paths)
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _BATCH):
            chunk = wanted[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            cursor = self._db.execute(
                f"SELECT path, outline FROM {TABLE} "
                f"WHERE repo = ? AND format = ? AND path IN ({marks})",
                [self._repo, self._format, *chunk],
            )
            found.update(cursor.fetchall())
        return found

    def save(self, entries: Sequence[TagCacheEntry]) -> None:
        """Insert or replace rows, all in one transaction."""
        if not entries:
            return
        rows = [
            (self._repo, e.path, e.mtime_ns, e.size, self._format, e.tags, e.outline)
            for e in entries
        ]
        with self._db.conn:
            self._db.conn.executemany(
                f"INSERT OR REPLACE INTO {TABLE} "
                "(repo, path, mtime_ns, size, format, tags, outline) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def forget(self, paths: Iterable[str]) -> None:
        """Drop rows for files that no longer exist (or are no longer mapped)."""
        rows = [(self._repo, path) for path in paths]
        if not rows:
            return
        with self._db.conn:
            self._db.conn.executemany(f"DELETE FROM {TABLE} WHERE repo = ? AND path = ?", rows)

    def count(self) -> int:
        cursor = self._db.execute(f"SELECT count(*) FROM {TABLE} WHERE repo = ?", [self._repo])
        return int(cursor.fetchone()[0])
