"""Memory rows: per-persona facts, preferences and procedures, their history, and BM25 search.

Plain data and queries; what to remember, and when, is decided in core/memories. Rows are
never deleted: a change of mind supersedes (status "superseded", `superseded_by` the new
row), forgetting archives, and every change appends to `memory_history` so it can be undone.
The FTS5 index (porter stemming; each row's persona as one more token, see
memory/memory_search.py) follows the table's text through triggers.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingle.memory.store import Store, now

TABLE = "memories"
HISTORY = "memory_history"
FTS = "memories_fts"

Kind = Literal["fact", "preference", "procedure", "correction", "summary"]
Status = Literal["active", "superseded", "archived"]
KINDS: tuple[str, ...] = ("fact", "preference", "procedure", "correction", "summary")

# Words too common to say which memory a question is about.
STOPWORDS = frozenset(
    """a an and are as at be been being but by can could did do does doing for from had has have
    having he her hers him his how i if in into is it its itself just me my myself no nor not of
    off on once only or other our ours out over own same she should so some such than that the
    their theirs them then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself""".split()
)
WORD = re.compile(r"[^\W_]+", re.UNICODE)


class MemoryRow(BaseModel):
    id: int
    persona: str
    repo: str = ""
    kind: Kind = "fact"
    text: str
    norm_hash: str = ""
    source_turn: str = ""
    status: Status = "active"
    superseded_by: int | None = None
    pinned: bool = False
    use_count: int = 0
    last_used_at: float | None = None
    valid_from: float = 0.0
    created_at: float = 0.0
    updated_at: float = 0.0
    embedding_model: str = ""
    embedding_dim: int = 0
    embedding: list[float] | None = Field(default=None, exclude=True)


class HistoryRow(BaseModel):
    id: int
    memory_id: int
    op: str  # add, supersede, forget, restore, pin, unpin, edit, archive, consolidate
    old: dict[str, Any] = Field(default_factory=dict)
    new: dict[str, Any] = Field(default_factory=dict)
    actor: str  # "user", "model:<persona>", "system"
    at: float


class NewMemory(BaseModel):
    persona: str
    text: str
    kind: Kind = "fact"
    repo: str = ""
    source_turn: str = ""
    pinned: bool = False
    valid_from: float | None = None


def normalise(text: str) -> str:
    """Lower case words only: what makes two memories the same memory."""
    return " ".join(WORD.findall(text.lower()))


def norm_hash(text: str) -> str:
    return hashlib.sha1(normalise(text).encode()).hexdigest()[:16]


def content_words(text: str) -> list[str]:
    """The words of `text` that can find something: lower case, no stop words, no 1-letter."""
    return [w for w in WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


def fts_query(text: str, max_terms: int = 32) -> str:
    """An FTS5 query matching any content word of `text` (quoted: no FTS syntax leaks in)."""
    seen: dict[str, None] = {}
    for word in content_words(text):
        seen.setdefault(word, None)
    return " OR ".join(f'"{w}"' for w in list(seen)[:max_terms])


def pack_vector(vector: list[float]) -> bytes:
    return struct.pack(f"<{len(vector)}f", *vector)


def unpack_vector(blob: bytes | None) -> list[float] | None:
    if not blob:
        return None
    return list(struct.unpack(f"<{len(blob) // 4}f", blob))


def row_from(raw: dict[str, Any]) -> MemoryRow:
    data = dict(raw)
    data["pinned"] = bool(data.get("pinned"))
    data["embedding"] = unpack_vector(data.pop("embedding", None))
    for key in ("repo", "source_turn", "norm_hash", "embedding_model"):
        data[key] = data.get(key) or ""
    data["embedding_dim"] = data.get("embedding_dim") or 0
    data["use_count"] = data.get("use_count") or 0
    return MemoryRow.model_validate(data)


def _log(store: Store, memory_id: int, op: str, old: dict[str, Any], new: dict[str, Any],
         actor: str) -> None:
    store.db[HISTORY].insert({
        "memory_id": memory_id, "op": op, "old": json.dumps(old) if old else "",
        "new": json.dumps(new) if new else "", "actor": actor, "at": now(),
    })


def insert_memory(store: Store, memory: NewMemory, actor: str = "user") -> MemoryRow:
    stamp = now()
    row = {
        "persona": memory.persona, "repo": memory.repo, "kind": memory.kind,
        "text": memory.text.strip(), "norm_hash": norm_hash(memory.text),
        "source_turn": memory.source_turn, "status": "active", "superseded_by": None,
        "pinned": int(memory.pinned), "use_count": 0, "last_used_at": None,
        "valid_from": memory.valid_from if memory.valid_from is not None else stamp,
        "created_at": stamp, "updated_at": stamp,
        "embedding": None, "embedding_model": "", "embedding_dim": 0,
    }
    with store.db.conn:
        memory_id = int(store.db[TABLE].insert(row).last_pk)
        _log(store, memory_id, "add", {}, {"text": row["text"], "kind": row["kind"],
                                           "pinned": bool(row["pinned"])}, actor)
    return get_memory(store, memory_id)


def get_memory(store: Store, memory_id: int) -> MemoryRow:
    """Raises KeyError when there is no such memory."""
    rows = list(store.db[TABLE].rows_where("id = ?", [memory_id]))
    if not rows:
        raise KeyError(memory_id)
    return row_from(rows[0])


def update_memory(store: Store, memory_id: int, op: str, changes: dict[str, Any],
                  actor: str = "user") -> MemoryRow:
    """Change fields of one memory and record the old and new values under `op`."""
    before = get_memory(store, memory_id)
    old = {k: getattr(before, k) for k in changes}
    values = dict(changes)
    if "pinned" in values:
        values["pinned"] = int(values["pinned"])
    if "text" in values:
        values["norm_hash"] = norm_hash(values["text"])
        values.update({"embedding": None, "embedding_model": "", "embedding_dim": 0})
    values["updated_at"] = now()
    with store.db.conn:
        store.db[TABLE].update(memory_id, values)
        _log(store, memory_id, op, old, changes, actor)
    return get_memory(store, memory_id)


def supersede(store: Store, old_id: int, new_id: int, actor: str) -> MemoryRow:
    return update_memory(store, old_id, "supersede",
                         {"status": "superseded", "superseded_by": new_id}, actor)


def history(store: Store, memory_id: int | None = None, persona: str | None = None,
            limit: int = 200) -> list[HistoryRow]:
    """Changes, newest first: of one memory, or of every memory of a persona."""
    sql = f"SELECT h.* FROM {HISTORY} h"
    args: list[Any] = []
    if memory_id is not None:
        sql += " WHERE h.memory_id = ?"
        args.append(memory_id)
    elif persona is not None:
        sql += f" JOIN {TABLE} m ON m.id = h.memory_id WHERE m.persona = ?"
        args.append(persona)
    sql += " ORDER BY h.id DESC LIMIT ?"
    args.append(limit)
    cursor = store.db.execute(sql, args)
    names = [c[0] for c in cursor.description]
    out = []
    for values in cursor.fetchall():
        raw = dict(zip(names, values))
        raw["old"] = json.loads(raw["old"]) if raw["old"] else {}
        raw["new"] = json.loads(raw["new"]) if raw["new"] else {}
        out.append(HistoryRow.model_validate(raw))
    return out


def list_memories(store: Store, persona: str, *, statuses: tuple[str, ...] = ("active",),
                  repo: str | None = None, pinned: bool | None = None,
                  limit: int | None = None) -> list[MemoryRow]:
    """A persona's memories, pinned first, then newest first."""
    where = [f"persona = ?", f"status IN ({','.join('?' * len(statuses))})"]
    args: list[Any] = [persona, *statuses]
    if repo is not None:
        where.append("repo IN ('', ?)")
        args.append(repo)
    if pinned is not None:
        where.append("pinned = ?")
        args.append(int(pinned))
    rows = store.db[TABLE].rows_where(" AND ".join(where), args,
                                      order_by="pinned DESC, id DESC", limit=limit)
    return [row_from(r) for r in rows]


def count_active(store: Store, persona: str) -> int:
    return int(store.db.execute(
        f"SELECT COUNT(*) FROM {TABLE} WHERE persona = ? AND status = 'active'", [persona]
    ).fetchone()[0])


def find_by_hash(store: Store, persona: str, text: str) -> MemoryRow | None:
    rows = list(store.db[TABLE].rows_where(
        "persona = ? AND norm_hash = ? AND status = 'active'", [persona, norm_hash(text)], limit=1))
    return row_from(rows[0]) if rows else None


def mark_used(store: Store, memory_ids: list[int]) -> None:
    """Count that these memories were shown to a model (not a history event: too noisy)."""
    if not memory_ids:
        return
    marks = ",".join("?" * len(memory_ids))
    with store.db.conn:
        store.db.execute(
            f"UPDATE {TABLE} SET use_count = use_count + 1, last_used_at = ? WHERE id IN ({marks})",
            [now(), *memory_ids],
        )


def set_embedding(store: Store, memory_id: int, vector: list[float], model: str) -> None:
    with store.db.conn:
        store.db[TABLE].update(memory_id, {"embedding": pack_vector(vector),
                                           "embedding_model": model,
                                           "embedding_dim": len(vector)})


def never_used_before(store: Store, persona: str, cutoff: float) -> list[MemoryRow]:
    """Active, unpinned memories created before `cutoff` and never shown to a model."""
    rows = store.db[TABLE].rows_where(
        "persona = ? AND status = 'active' AND pinned = 0 AND use_count = 0 AND created_at < ?",
        [persona, cutoff], order_by="id")
    return [row_from(r) for r in rows]


def personas_with_memories(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute(f"SELECT DISTINCT persona FROM {TABLE} ORDER BY 1")]
