"""Saved chat sessions, one line of history per repository.

A conversation row holds the session state a front end needs to continue (as
JSON it owns: files in the chat, model history, persona...) and an ordered list
of transcript entries to show again. Entries are plain data: a kind the front
end knows how to draw, a text, and a small dict of details.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from ingle.memory.store import Store, now

CONVERSATIONS = "conversations"
ENTRIES = "conversation_entries"


class Conversation(BaseModel):
    id: int
    repo: str
    started_at: float
    updated_at: float
    title: str = ""
    session_json: str = "{}"


class ConversationEntry(BaseModel):
    """One item of a transcript: "user", "answer", "thinking", "step", "diff", "note"..."""

    kind: str
    text: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: float = 0.0


def start_conversation(store: Store, repo: str, session_json: str = "{}") -> Conversation:
    stamp = now()
    row = {
        "repo": repo,
        "started_at": stamp,
        "updated_at": stamp,
        "title": "",
        "session_json": session_json,
    }
    with store.db.conn:
        table = store.db[CONVERSATIONS].insert(row)
    return Conversation(id=int(table.last_pk), **row)


def latest_conversation(store: Store, repo: str) -> Conversation | None:
    """The repository's most recently used conversation, if any."""
    rows = store.db[CONVERSATIONS].rows_where(
        "repo = ?", [repo], order_by="updated_at desc, id desc", limit=1
    )
    found = next(iter(rows), None)
    return Conversation.model_validate(found) if found else None


def save_session(store: Store, conversation_id: int, session_json: str, title: str | None = None) -> None:
    """Remember the session state (and the title, once known)."""
    update: dict[str, Any] = {"session_json": session_json, "updated_at": now()}
    if title is not None:
        update["title"] = title[:200]
    with store.db.conn:
        store.db[CONVERSATIONS].update(conversation_id, update)


def append_entries(store: Store, conversation_id: int, entries: list[ConversationEntry]) -> None:
    """Add entries after the conversation's last one, in one transaction."""
    if not entries:
        return
    last = store.db.execute(
        f"SELECT COALESCE(MAX(seq), 0) FROM {ENTRIES} WHERE conversation_id = ?",
        [conversation_id],
    ).fetchone()[0]
    stamp = now()
    rows = [
        {
            "conversation_id": conversation_id,
            "seq": last + offset,
            "kind": entry.kind,
            "text": entry.text,
            "data_json": json.dumps(entry.data),
            "created_at": entry.created_at or stamp,
        }
        for offset, entry in enumerate(entries, start=1)
    ]
    with store.db.conn:
        store.db[ENTRIES].insert_all(rows)
        store.db[CONVERSATIONS].update(conversation_id, {"updated_at": stamp})


def conversation_entries(store: Store, conversation_id: int) -> list[ConversationEntry]:
    """All entries of a conversation, oldest first."""
    rows = store.db[ENTRIES].rows_where(
        "conversation_id = ?", [conversation_id], order_by="seq"
    )
    return [
        ConversationEntry(
            kind=row["kind"],
            text=row["text"] or "",
            data=json.loads(row["data_json"] or "{}"),
            created_at=row["created_at"] or 0.0,
        )
        for row in rows
    ]
