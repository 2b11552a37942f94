"""Correction rows: what a model produced, what the user changed it to, and the rules they made.

A correction belongs to a domain ("expenses", "chat", "commit", ...) and carries a pattern:
the key under which consistent corrections become a deterministic rule (the caller may give
one, e.g. a merchant name; by default the input's words without digits). Inputs are indexed
with FTS5 so the nearest corrections can be shown to a model as few-shot examples.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ingle.memory.memories import fts_query, normalise
from ingle.memory.store import Store, now

TABLE = "corrections"
FTS = "corrections_fts"
RULES = "correction_rules"


class CorrectionRow(BaseModel):
    id: int
    domain: str
    persona: str = ""
    input: str
    output: str = ""
    corrected: str
    note: str = ""
    source: str = ""  # "edited answer", "undone commit", "re-categorised expense", ...
    pattern: str = ""
    created_at: float = 0.0


class RuleRow(BaseModel):
    id: int
    domain: str
    pattern: str
    output: str
    support: int
    created_at: float


def default_pattern(text: str) -> str:
    """The input's words without digits: "UBER *TRIP 8842" and "Uber trip 1193" agree."""
    return " ".join(w for w in normalise(text).split() if not any(c.isdigit() for c in w))


def insert_correction(store: Store, *, domain: str, input: str, output: str, corrected: str,
                      note: str = "", source: str = "", persona: str = "",
                      pattern: str | None = None) -> CorrectionRow:
    row = {
        "domain": domain, "persona": persona, "input": input, "output": output,
        "corrected": corrected, "note": note, "source": source,
        "pattern": pattern if pattern is not None else default_pattern(input),
        "created_at": now(),
    }
    with store.db.conn:
        row_id = int(store.db[TABLE].insert(row).last_pk)
    return CorrectionRow(id=row_id, **row)


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, values)) for values in cursor.fetchall()]


def nearest(store: Store, domain: str, text: str, k: int = 3) -> list[CorrectionRow]:
    """The `k` corrections whose input is closest to `text` by BM25, best first."""
    match = fts_query(text)
    if not match:
        return []
    cursor = store.db.execute(
        f"SELECT c.* FROM {FTS} JOIN {TABLE} c ON c.id = {FTS}.rowid "
        f"WHERE {FTS} MATCH ? AND c.domain = ? ORDER BY bm25({FTS}), c.id DESC LIMIT ?",
        [match, domain, k],
    )
    return [CorrectionRow.model_validate(r) for r in _rows(cursor)]


def list_corrections(store: Store, domain: str | None = None, limit: int = 100) -> list[CorrectionRow]:
    where, args = ("domain = ?", [domain]) if domain else (None, [])
    rows = store.db[TABLE].rows_where(where, args, order_by="id DESC", limit=limit)
    return [CorrectionRow.model_validate(r) for r in rows]


def by_pattern(store: Store, domain: str) -> dict[str, list[CorrectionRow]]:
    """Every correction of a domain grouped by pattern, oldest first within each."""
    groups: dict[str, list[CorrectionRow]] = {}
    for raw in store.db[TABLE].rows_where("domain = ? AND pattern != ''", [domain], order_by="id"):
        row = CorrectionRow.model_validate(raw)
        groups.setdefault(row.pattern, []).append(row)
    return groups


def save_rule(store: Store, domain: str, pattern: str, output: str, support: int) -> RuleRow:
    with store.db.conn:
        store.db.execute(
            f"INSERT INTO {RULES} (domain, pattern, output, support, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT(domain, pattern) DO UPDATE SET "
            "output = excluded.output, support = excluded.support, created_at = excluded.created_at",
            [domain, pattern, output, support, now()],
        )
    found = rules(store, domain, pattern=pattern)
    return found[0]


def rules(store: Store, domain: str, pattern: str | None = None) -> list[RuleRow]:
    where, args = "domain = ?", [domain]
    if pattern is not None:
        where += " AND pattern = ?"
        args.append(pattern)
    return [RuleRow.model_validate(r)
            for r in store.db[RULES].rows_where(where, args, order_by="id")]


def delete_rule(store: Store, domain: str, pattern: str) -> bool:
    """Rules are the user's own decisions, so the user may drop one outright."""
    with store.db.conn:
        cursor = store.db.execute(f"DELETE FROM {RULES} WHERE domain = ? AND pattern = ?",
                                  [domain, pattern])
    return cursor.rowcount > 0
