"""Persona versions: every saved change to a persona, immutable, in `persona_versions`.

A version is the persona's TOML text with its content hash, its number (1, 2, ... per
persona), the hash of the version it was made from, a changelog line and who made it
(`user`, `creator`, `evaluator`, ...). Rows are never updated (a trigger refuses it):
a restore or a refinement is a new version. The user's TOML file stays the readable
source of the current version; this table is its history.
"""

from __future__ import annotations

from pydantic import BaseModel

from ingle.memory.store import Store, now

TABLE = "persona_versions"


class PersonaVersion(BaseModel):
    """One row of `persona_versions`."""

    name: str
    number: int
    content_hash: str
    parent_hash: str | None = None
    changelog: str = ""
    author: str = "user"
    toml: str
    created_at: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.name}@{self.number}"

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]


def versions_of(store: Store, name: str) -> list[PersonaVersion]:
    """Every version of `name`, oldest first."""
    rows = store.db.query(
        f"SELECT * FROM {TABLE} WHERE name = ? ORDER BY number", [name]
    )
    return [PersonaVersion.model_validate(row) for row in rows]


def latest_version(store: Store, name: str) -> PersonaVersion | None:
    rows = list(store.db.query(
        f"SELECT * FROM {TABLE} WHERE name = ? ORDER BY number DESC LIMIT 1", [name]
    ))
    return PersonaVersion.model_validate(rows[0]) if rows else None


def latest_versions(store: Store) -> dict[str, PersonaVersion]:
    """The newest version of every persona that has one (one query, for lists)."""
    rows = store.db.query(
        f"SELECT v.* FROM {TABLE} v JOIN (SELECT name, MAX(number) AS number FROM {TABLE} "
        "GROUP BY name) m ON v.name = m.name AND v.number = m.number"
    )
    return {row["name"]: PersonaVersion.model_validate(row) for row in rows}


def version_counts(store: Store) -> dict[str, int]:
    rows = store.db.query(f"SELECT name, COUNT(*) AS n FROM {TABLE} GROUP BY name")
    return {row["name"]: int(row["n"]) for row in rows}


def find_version(store: Store, name: str, ref: str) -> PersonaVersion | None:
    """Version `ref` of `name`: a number (`3`) or a content-hash prefix (at least 4
    characters). A hash shared by several versions (a restore) names the first."""
    ref = ref.strip().lower()
    if ref.isdigit():
        rows = list(store.db.query(
            f"SELECT * FROM {TABLE} WHERE name = ? AND number = ?", [name, int(ref)]
        ))
    elif len(ref) >= 4 and all(c in "0123456789abcdef" for c in ref):
        rows = list(store.db.query(
            f"SELECT * FROM {TABLE} WHERE name = ? AND content_hash LIKE ? ORDER BY number",
            [name, ref + "%"],
        ))
        if len({row["content_hash"] for row in rows}) > 1:
            return None  # ambiguous prefix: the caller asks for more characters
    else:
        return None
    return PersonaVersion.model_validate(rows[0]) if rows else None


def add_version(
    store: Store,
    name: str,
    content_hash: str,
    toml: str,
    *,
    changelog: str,
    author: str,
) -> PersonaVersion:
    """Append a version after the latest one (its parent). One transaction, so two
    writers cannot take the same number (the primary key refuses the second)."""
    with store.db.conn:
        latest = latest_version(store, name)
        version = PersonaVersion(
            name=name,
            number=(latest.number + 1) if latest else 1,
            content_hash=content_hash,
            parent_hash=latest.content_hash if latest else None,
            changelog=changelog,
            author=author,
            toml=toml,
            created_at=now(),
        )
        store.db[TABLE].insert(version.model_dump())
    return version


def ensure_current(
    store: Store, name: str, content_hash: str, toml: str, *, changelog: str, author: str
) -> PersonaVersion:
    """The latest version when it already holds this content; else a new version."""
    latest = latest_version(store, name)
    if latest is not None and latest.content_hash == content_hash:
        return latest
    return add_version(store, name, content_hash, toml, changelog=changelog, author=author)


class StoreVersionHistory:
    """The registry's VersionHistory over the store: files are recorded as they load."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._latest: dict[str, PersonaVersion] | None = None

    def current(self, name: str, content_hash: str, toml: str) -> int:
        if self._latest is None:  # one query for the whole registry, not one per persona
            self._latest = latest_versions(self.store)
        latest = self._latest.get(name)
        if latest is not None and latest.content_hash == content_hash:
            return latest.number
        changelog = "edited by hand in the file" if latest else "first seen in the file"
        version = add_version(
            self.store, name, content_hash, toml, changelog=changelog, author="user"
        )
        self._latest[name] = version
        return version.number

    def pinned(self, name: str, ref: str) -> tuple[int, str] | None:
        found = find_version(self.store, name, ref)
        return (found.number, found.toml) if found else None
