"""Memory rows: per-persona facts, preferences and procedures, their history, and BM25 search.

Plain data and queries; what to remember, and when, is decided in core/memories. Rows are
never deleted: a change of mind supersedes (status "superseded", `superseded_by` the new
row), forgetting archives, and every change appends to `memory_history` so it can be undone.
The FTS5 index (porter stemming) follows the table through triggers.
"""

from __future__ import annotations

import hashlib
import json
import math
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
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


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
    return " ".join(_WORD.findall(text.lower()))


def norm_hash(text: str) -> str:
    return hashlib.sha1(normalise(text).encode()).hexdigest()[:16]


def content_words(text: str) -> list[str]:
    """The words of `text` that can find something: lower case, no stop words, no 1-letter."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in STOPWORDS]


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


def _row(raw: dict[str, Any]) -> MemoryRow:
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
    return _row(rows[0])


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
    return [_row(r) for r in rows]


def count_active(store: Store, persona: str) -> int:
    return int(store.db.execute(
        f"SELECT COUNT(*) FROM {TABLE} WHERE persona = ? AND status = 'active'", [persona]
    ).fetchone()[0])


def find_by_hash(store: Store, persona: str, text: str) -> MemoryRow | None:
    rows = list(store.db[TABLE].rows_where(
        "persona = ? AND norm_hash = ? AND status = 'active'", [persona, norm_hash(text)], limit=1))
    return _row(rows[0]) if rows else None


class Hit(BaseModel):
    memory: MemoryRow
    bm25: float  # FTS5's bm25(): lower is better; negated into `score`

    @property
    def score(self) -> float:
        return -self.bm25


# Scoring every document a common word matches is what makes BM25 slow on a big store
# (FTS5 pays a few microseconds per matching row). Past this many postings, candidates come
# from the rarer words only and are then scored with every word.
FULL_SCORE_POSTINGS = 4000
RARE_POSTINGS = 800
CANDIDATES = 30


def _query_terms(store: Store, query: str) -> list[tuple[str, int]]:
    """The stemmed terms of `query` (as the index stems them) with their document counts."""
    db = store.db
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.memory_query "
               "USING fts5(text, tokenize='porter unicode61')")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.memory_query_terms "
               "USING fts5vocab(temp, memory_query, instance)")
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.memory_vocab USING fts5vocab(main, {FTS}, row)")
    words = list(dict.fromkeys(content_words(query)))[:32]
    with db.conn:
        db.execute("INSERT INTO temp.memory_query(rowid, text) VALUES (1, ?)", [" ".join(words)])
        terms = list(dict.fromkeys(t for (t,) in db.execute(
            "SELECT term FROM temp.memory_query_terms ORDER BY offset")))
        db.execute("DELETE FROM temp.memory_query")
    if not terms:
        return []
    counts = dict(db.execute(
        f"SELECT term, doc FROM temp.memory_vocab WHERE term IN ({','.join('?' * len(terms))})",
        terms).fetchall())
    return [(t, int(counts.get(t, 0))) for t in terms]


def _match(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def search(store: Store, persona: str, query: str, *, limit: int = 10,
           repo: str | None = None, statuses: tuple[str, ...] = ("active",)) -> list[Hit]:
    """Memories matching any content word of `query`, best BM25 first."""
    terms = [(t, n) for t, n in _query_terms(store, query) if n > 0]
    if not terms:
        return []
    where = f"m.persona = ? AND m.status IN ({','.join('?' * len(statuses))})"
    args: list[Any] = [persona, *statuses]
    if repo is not None:
        where += " AND m.repo IN ('', ?)"
        args.append(repo)
    if sum(n for _, n in terms) > FULL_SCORE_POSTINGS:
        hits = _two_stage(store, terms, where, args, limit)
        if len(hits) == limit:
            return hits
    sql = (f"SELECT m.*, bm25({FTS}) AS _bm25 FROM {FTS} JOIN {TABLE} m ON m.id = {FTS}.rowid "
           f"WHERE {FTS} MATCH ? AND {where} ORDER BY _bm25 LIMIT ?")
    return _hits(store, sql, [_match([t for t, _ in terms]), *args, limit])


def _two_stage(store: Store, terms: list[tuple[str, int]], where: str, args: list[Any],
               limit: int) -> list[Hit]:
    """Candidates by the rarer words (FTS5's BM25), then the common words' share of BM25
    added for those candidates only (k1 = 1.2, b = 0.75, as FTS5 computes it)."""
    rare: list[str] = []
    postings = 0
    for term, count in sorted(terms, key=lambda x: x[1]):
        if rare and postings + count > RARE_POSTINGS:
            break
        rare.append(term)
        postings += count
    common = {t: n for t, n in terms if t not in rare}
    first = dict(store.db.execute(
        f"SELECT rowid, bm25({FTS}) FROM {FTS} WHERE {FTS} MATCH ? ORDER BY bm25({FTS}) LIMIT ?",
        [_match(rare), CANDIDATES]).fetchall())
    if not first:
        return []
    marks = ",".join("?" * len(first))
    found = dict(store.db.execute(f"SELECT m.id, m.text FROM {TABLE} m WHERE m.id IN ({marks}) "
                                  f"AND {where}", [*first, *args]).fetchall())
    if not found:
        return []
    extra = _common_share(store, found, common)
    scores = {i: first[i] - extra.get(i, 0.0) for i in found}
    best = sorted(scores, key=lambda i: scores[i])[:limit]
    cursor = store.db.execute(f"SELECT * FROM {TABLE} WHERE id IN ({','.join('?' * len(best))})", best)
    names = [c[0] for c in cursor.description]
    by_id = {values[0]: _row(dict(zip(names, values))) for values in cursor.fetchall()}
    return [Hit(memory=by_id[i], bm25=scores[i]) for i in best]


def _common_share(store: Store, found: dict[int, str], common: dict[str, int]) -> dict[int, float]:
    if not common:
        return {}
    db = store.db
    total = int(db.execute(f"SELECT COALESCE(MAX(id), 1) FROM {TABLE}").fetchone()[0])
    with db.conn:
        db.conn.executemany("INSERT INTO temp.memory_query(rowid, text) VALUES (?, ?)",
                       list(found.items()))
        lengths = dict(db.execute(
            "SELECT doc, COUNT(*) FROM temp.memory_query_terms GROUP BY doc").fetchall())
        counts = db.execute(
            f"SELECT doc, term, COUNT(*) FROM temp.memory_query_terms "
            f"WHERE term IN ({','.join('?' * len(common))}) GROUP BY doc, term", list(common)
        ).fetchall()
        db.execute("DELETE FROM temp.memory_query")
    average = sum(lengths.values()) / max(len(lengths), 1)
    share: dict[int, float] = {}
    for doc, term, tf in counts:
        df = common[term]
        idf = max(math.log((total - df + 0.5) / (df + 0.5)), 1e-6)
        norm = 1.2 * (0.25 + 0.75 * lengths.get(doc, average) / (average or 1))
        share[doc] = share.get(doc, 0.0) + idf * tf * 2.2 / (tf + norm)
    return share


def _hits(store: Store, sql: str, args: list[Any]) -> list[Hit]:
    cursor = store.db.execute(sql, args)
    names = [c[0] for c in cursor.description]
    hits = []
    for values in cursor.fetchall():
        raw = dict(zip(names, values))
        score = raw.pop("_bm25")
        hits.append(Hit(memory=_row(raw), bm25=score))
    return hits


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
    return [_row(r) for r in rows]


def personas_with_memories(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute(f"SELECT DISTINCT persona FROM {TABLE} ORDER BY 1")]
