"""Saved conversations in the real state database (memory/conversations.py)."""

from __future__ import annotations

from pathlib import Path

from ingle.memory.conversations import (
    ConversationEntry,
    append_entries,
    conversation_entries,
    latest_conversation,
    save_session,
    start_conversation,
)
from ingle.memory.store import Store


def test_entries_come_back_in_order_per_conversation(tmp_path: Path) -> None:
    with Store(tmp_path / "ingle.db") as store:
        first = start_conversation(store, "/r", '{"persona": "coder"}')
        other = start_conversation(store, "/elsewhere")
        append_entries(store, first.id, [ConversationEntry(kind="user", text="hello")])
        append_entries(
            store,
            first.id,
            [
                ConversationEntry(kind="answer", text="hi **there**"),
                ConversationEntry(kind="step", text="gate python: passed", data={"style": "ok"}),
            ],
        )
        append_entries(store, other.id, [ConversationEntry(kind="user", text="elsewhere")])
        entries = conversation_entries(store, first.id)
    assert [(e.kind, e.text) for e in entries] == [
        ("user", "hello"),
        ("answer", "hi **there**"),
        ("step", "gate python: passed"),
    ]
    assert entries[2].data == {"style": "ok"}


def test_the_latest_conversation_of_a_repository_is_the_one_used_last(tmp_path: Path) -> None:
    with Store(tmp_path / "ingle.db") as store:
        assert latest_conversation(store, "/r") is None
        older = start_conversation(store, "/r")
        newer = start_conversation(store, "/r")
        start_conversation(store, "/other")
        assert latest_conversation(store, "/r").id == newer.id
        # Using the older one again makes it the latest.
        append_entries(store, older.id, [ConversationEntry(kind="user", text="back")])
        save_session(store, older.id, '{"chat_files": ["a.py"]}', title="back")
        latest = latest_conversation(store, "/r")
    assert latest.id == older.id
    assert latest.session_json == '{"chat_files": ["a.py"]}' and latest.title == "back"


def test_the_schema_survives_reopening(tmp_path: Path) -> None:
    with Store(tmp_path / "ingle.db") as store:
        conversation = start_conversation(store, "/r")
        append_entries(store, conversation.id, [ConversationEntry(kind="user", text="kept")])
    with Store(tmp_path / "ingle.db") as store:
        assert [e.text for e in conversation_entries(store, conversation.id)] == ["kept"]
