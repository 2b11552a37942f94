"""Blind A/B picks between two persona versions or models, per tag (`persona_preferences`).

`left` and `right` are what was compared (`my-coder@2`, `my-coder@1+qwen3:14b`), in the
order they were run, not the order shown; `winner` is "left", "right" or "tie".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from ingle.memory.store import Store, now

TABLE = "persona_preferences"
Winner = Literal["left", "right", "tie"]


class Preference(BaseModel):
    id: int | None = None
    created_at: float = 0.0
    tag: str
    prompt: str
    left: str
    right: str
    winner: Winner


def add_preference(store: Store, tag: str, prompt: str, left: str, right: str,
                   winner: Winner) -> Preference:
    row = Preference(created_at=now(), tag=tag, prompt=prompt, left=left, right=right,
                     winner=winner)
    with store.db.conn:
        table = store.db[TABLE].insert(row.model_dump(exclude={"id"}))
    return row.model_copy(update={"id": int(table.last_pk)})


def preferences(store: Store, tag: str | None = None) -> list[Preference]:
    """Oldest first (Elo is order-dependent)."""
    where, params = ("WHERE tag = ?", [tag]) if tag else ("", [])
    rows = store.db.query(f"SELECT * FROM {TABLE} {where} ORDER BY id", params)
    return [Preference.model_validate(row) for row in rows]
