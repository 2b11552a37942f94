"""Expenses: categories, transactions, rules, import profiles and sink deliveries.

Rows and queries only (core/expenses/ decides). Amounts are stored as Decimal text
with their currency, never floats; dates as ISO `YYYY-MM-DD`. `dedup_key` is unique,
so importing the same file twice adds nothing. Merchants are indexed with FTS5 for
the nearest-confirmed-transaction lookup (BM25).
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from ingle.memory.store import Store, now

Direction = Literal["out", "in"]
Status = Literal["confirmed", "pending"]
RuleKind = Literal["is", "contains", "regex"]
RuleField = Literal["merchant", "text"]


class ExpenseRow(BaseModel):
    id: int | None = None
    date: str  # ISO YYYY-MM-DD
    amount: Decimal  # always >= 0; `direction` says which way the money went
    currency: str
    direction: Direction = "out"
    text: str  # the line as the user or the bank wrote it
    merchant: str  # normalised
    category: str | None = None
    status: Status = "pending"
    confidence: float = 0.0
    path: str = ""  # how the category was chosen: rule, neighbours, model, user
    reason: str = ""  # in words, for the user
    source: str = ""  # "add", "import FILE", "mcp"
    source_line: int | None = None
    dedup_key: str
    created_at: float = Field(default_factory=now)
    confirmed_at: float | None = None


class RuleRow(BaseModel):
    id: int | None = None
    kind: RuleKind
    field: RuleField = "merchant"
    pattern: str
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    category: str
    origin: Literal["user", "learned"] = "user"
    created_at: float = Field(default_factory=now)


class ProfileRow(BaseModel):
    name: str
    columns: dict[str, str]  # date/amount/text (and optional currency) -> header or index
    date_format: str | None = None  # strptime format; None: detected per value
    decimal_comma: bool | None = None  # None: detected per value
    sign: Literal["negative-out", "positive-out"] = "negative-out"
    currency: str | None = None
    delimiter: str | None = None


class SinkRow(BaseModel):
    expense_id: int
    attempts: int
    exit_status: int | None
    error: str
    delivered_at: float | None
    updated_at: float


def _dump(row: BaseModel) -> dict[str, Any]:
    data = row.model_dump(exclude={"id"})
    for key, value in data.items():
        if isinstance(value, Decimal):
            data[key] = str(value)
    return data


# -- categories --------------------------------------------------------------------------

def categories(store: Store) -> list[str]:
    return [r["name"] for r in store.db.query("SELECT name FROM expense_categories ORDER BY position, name")]


def add_category(store: Store, name: str) -> None:
    position = store.db.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM expense_categories").fetchone()[0]
    with store.db.conn:
        store.db["expense_categories"].insert({"name": name, "position": position}, ignore=True)


def seed_categories(store: Store, names: list[str]) -> None:
    """The defaults, once: an empty table is filled, a used one is left as the user made it."""
    if store.db.execute("SELECT COUNT(*) FROM expense_categories").fetchone()[0]:
        return
    with store.db.conn:
        store.db["expense_categories"].insert_all(
            [{"name": n, "position": i} for i, n in enumerate(names)], ignore=True
        )


def rename_category(store: Store, old: str, new: str) -> int:
    """Rename or merge `old` into `new`, rewriting history, rules and all, in one transaction.
    Returns the number of expenses changed."""
    with store.db.conn:
        exists = store.db.execute("SELECT 1 FROM expense_categories WHERE name = ?", [new]).fetchone()
        if exists:  # a merge: the old name goes
            store.db.execute("DELETE FROM expense_categories WHERE name = ?", [old])
        else:
            store.db.execute("UPDATE expense_categories SET name = ? WHERE name = ?", [new, old])
        changed = store.db.execute("UPDATE expenses SET category = ? WHERE category = ?", [new, old]).rowcount
        store.db.execute("UPDATE expense_rules SET category = ? WHERE category = ?", [new, old])
    return changed


# -- expenses ----------------------------------------------------------------------------

def insert_expenses(store: Store, rows: list[ExpenseRow]) -> tuple[list[int], int]:
    """Insert new rows in one transaction; rows whose dedup_key is already stored are skipped.
    Returns (ids of the inserted rows, number skipped as duplicates)."""
    ids: list[int] = []
    skipped = 0
    with store.db.conn:
        for row in rows:
            data = _dump(row)
            cursor = store.db.execute(
                f"INSERT OR IGNORE INTO expenses ({', '.join(data)}) VALUES ({', '.join('?' * len(data))})",
                list(data.values()),
            )
            if cursor.rowcount:
                ids.append(int(cursor.lastrowid))
            else:
                skipped += 1
    return ids, skipped


def get_expense(store: Store, expense_id: int) -> ExpenseRow | None:
    rows = list(store.db.query("SELECT * FROM expenses WHERE id = ?", [expense_id]))
    return ExpenseRow.model_validate(rows[0]) if rows else None


def list_expenses(
    store: Store, *, month: str | None = None, category: str | None = None,
    status: Status | None = None, limit: int | None = None,
) -> list[ExpenseRow]:
    where, params = [], []
    if month:
        where.append("substr(date, 1, 7) = ?")
        params.append(month)
    if category:
        where.append("category = ?")
        params.append(category)
    if status:
        where.append("status = ?")
        params.append(status)
    sql = "SELECT * FROM expenses" + (f" WHERE {' AND '.join(where)}" if where else "")
    sql += " ORDER BY date, id" + (f" LIMIT {int(limit)}" if limit else "")
    return [ExpenseRow.model_validate(r) for r in store.db.query(sql, params)]


def set_category(
    store: Store, expense_id: int, category: str, *, status: Status, confidence: float,
    path: str, reason: str,
) -> None:
    with store.db.conn:
        store.db.execute(
            "UPDATE expenses SET category = ?, status = ?, confidence = ?, path = ?, reason = ?, "
            "confirmed_at = CASE WHEN ? = 'confirmed' THEN ? ELSE confirmed_at END WHERE id = ?",
            [category, status, confidence, path, reason, status, now(), expense_id],
        )


def nearest_confirmed(store: Store, merchant: str, limit: int = 5) -> list[tuple[ExpenseRow, float]]:
    """Confirmed expenses whose merchant is nearest by BM25 (best first), with the score."""
    words = [w for w in merchant.replace('"', " ").split() if w]
    if not words:
        return []
    query = " OR ".join(f'"{w}"' for w in words)
    try:
        rows = list(store.db.query(
            "SELECT e.*, bm25(expenses_fts) AS score FROM expenses_fts "
            "JOIN expenses e ON e.id = expenses_fts.rowid "
            "WHERE expenses_fts MATCH ? AND e.status = 'confirmed' ORDER BY score LIMIT ?",
            [query, limit],
        ))
    except sqlite3.OperationalError:  # a query FTS cannot parse: no neighbours, not a crash
        return []
    return [(ExpenseRow.model_validate(r), -float(r.pop("score"))) for r in rows]


def month_totals(store: Store, month: str | None = None) -> list[dict[str, Any]]:
    """(month, category, currency, direction, total as Decimal text, count) rows."""
    sql = (
        "SELECT substr(date, 1, 7) AS month, COALESCE(category, '(uncategorised)') AS category, "
        "currency, direction, amount FROM expenses"
    )
    params: list[Any] = []
    if month:
        sql += " WHERE substr(date, 1, 7) = ?"
        params.append(month)
    totals: dict[tuple[str, str, str, str], list[Any]] = {}
    for r in store.db.query(sql, params):  # Decimal sums in Python: SQLite would use floats
        key = (r["month"], r["category"], r["currency"], r["direction"])
        entry = totals.setdefault(key, [Decimal(0), 0])
        entry[0] += Decimal(r["amount"])
        entry[1] += 1
    return [
        {"month": k[0], "category": k[1], "currency": k[2], "direction": k[3],
         "total": str(v[0]), "count": v[1]}
        for k, v in sorted(totals.items())
    ]


# -- rules -------------------------------------------------------------------------------

def rules(store: Store) -> list[RuleRow]:
    return [RuleRow.model_validate(r) for r in store.db.query("SELECT * FROM expense_rules ORDER BY id")]


def add_rule(store: Store, rule: RuleRow) -> int:
    with store.db.conn:
        return int(store.db["expense_rules"].insert(_dump(rule)).last_pk)


def delete_rule(store: Store, rule_id: int) -> bool:
    with store.db.conn:
        return store.db.execute("DELETE FROM expense_rules WHERE id = ?", [rule_id]).rowcount > 0


# -- import profiles ---------------------------------------------------------------------

def save_profile(store: Store, profile: ProfileRow) -> None:
    data = profile.model_dump()
    data["columns"] = json.dumps(profile.columns)
    with store.db.conn:
        store.db["expense_profiles"].upsert(data, pk="name")


def get_profile(store: Store, name: str) -> ProfileRow | None:
    rows = list(store.db.query("SELECT * FROM expense_profiles WHERE name = ?", [name]))
    if not rows:
        return None
    row = rows[0]
    row["columns"] = json.loads(row["columns"])
    return ProfileRow.model_validate(row)


# -- sink deliveries ---------------------------------------------------------------------

def record_delivery(store: Store, expense_id: int, exit_status: int | None, error: str) -> None:
    delivered = now() if exit_status == 0 else None
    with store.db.conn:
        store.db.execute(
            "INSERT INTO expense_sink (expense_id, attempts, exit_status, error, delivered_at, updated_at) "
            "VALUES (?, 1, ?, ?, ?, ?) ON CONFLICT(expense_id) DO UPDATE SET "
            "attempts = attempts + 1, exit_status = excluded.exit_status, error = excluded.error, "
            "delivered_at = excluded.delivered_at, updated_at = excluded.updated_at",
            [expense_id, exit_status, error, delivered, now()],
        )


def undelivered(store: Store) -> list[int]:
    """Confirmed expenses whose sink call failed (or never happened after a crash)."""
    return [r["id"] for r in store.db.query(
        "SELECT e.id FROM expenses e JOIN expense_sink s ON s.expense_id = e.id "
        "WHERE s.delivered_at IS NULL AND e.status = 'confirmed' ORDER BY e.id"
    )]


def delivery(store: Store, expense_id: int) -> SinkRow | None:
    rows = list(store.db.query("SELECT * FROM expense_sink WHERE expense_id = ?", [expense_id]))
    return SinkRow.model_validate(rows[0]) if rows else None


def mark_pending_delivery(store: Store, expense_id: int) -> None:
    """Written before the sink runs, so a crash mid-call leaves it to be retried."""
    with store.db.conn:
        store.db.execute(
            "INSERT OR IGNORE INTO expense_sink (expense_id, attempts, exit_status, error, "
            "delivered_at, updated_at) VALUES (?, 0, NULL, '', NULL, ?)", [expense_id, now()],
        )
