"""A repository's open engine with its saved conversation: restored on start, saved as it goes.

No Textual here: the app holds one of these; the engine and store do the work."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ingle.memory.conversations import (
    Conversation,
    ConversationEntry,
    append_entries,
    conversation_entries,
    latest_conversation,
    save_session,
    start_conversation,
)

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine


class OpenedSession:
    def __init__(
        self,
        engine: Engine,
        conversation: Conversation,
        entries: list[ConversationEntry],
        notices: list[str],
    ) -> None:
        self.engine = engine
        self.conversation = conversation
        self.entries = entries
        self.notices = notices

    @classmethod
    def open(
        cls,
        repo: Path | None,
        *,
        new_session: bool = False,
        persona: str | None = None,
        model: str | None = None,
    ) -> OpenedSession:
        """Open the engine and continue the repository's last conversation (blocking:
        call it from a thread). Raises ConfigError or EngineError with their advice."""
        from ingle.core.agent.engine import Engine

        engine = Engine.open(repo, persona=persona)
        notices = list(engine.loaded.notices)
        key = str(engine.root)
        previous = None if new_session else latest_conversation(engine.store, key)
        entries: list[ConversationEntry] = []
        if previous is None:
            conversation = start_conversation(engine.store, key, engine.session.model_dump_json())
        else:
            conversation = previous
            notices += _restore_session(engine, previous.session_json, keep_persona=persona is not None)
            entries = conversation_entries(engine.store, previous.id)
        if model:
            engine.set_model(model)
        return cls(engine, conversation, entries, notices)

    def save_entries(self, entries: list[ConversationEntry]) -> None:
        append_entries(self.engine.store, self.conversation.id, entries)

    def save_session(self) -> None:
        save_session(self.engine.store, self.conversation.id, self.engine.session.model_dump_json())

    def set_title(self, title: str) -> None:
        self.conversation.title = title[:200]
        save_session(
            self.engine.store, self.conversation.id, self.engine.session.model_dump_json(), title
        )

    def start_new(self) -> None:
        """Forget the model history and begin a new saved conversation; files stay."""
        self.engine.clear()
        self.conversation = start_conversation(
            self.engine.store, str(self.engine.root), self.engine.session.model_dump_json()
        )
        self.entries = []


def _restore_session(engine: Engine, session_json: str, *, keep_persona: bool) -> list[str]:
    """Put the saved session back into the engine; returns notices about what could not be."""
    from ingle.core.agent.chat_session import ChatSession

    try:
        saved = ChatSession.model_validate_json(session_json)
    except ValidationError:
        return ["the saved session could not be read; starting with a fresh one (the transcript stays)"]
    notices: list[str] = []
    if keep_persona or saved.persona not in engine.registry:
        if saved.persona not in engine.registry:
            notices.append(f"the saved persona '{saved.persona}' no longer exists; using {engine.session.persona}")
        saved.persona = engine.session.persona
    missing = [f for f in saved.chat_files if not (engine.root / f).is_file()]
    if missing:
        notices.append(f"no longer in the repository, dropped from the chat: {', '.join(missing)}")
    saved.chat_files = [f for f in saved.chat_files if f not in missing]
    saved.auto_approve_edits = False  # auto-applying edits lasts one sitting, never longer
    engine.session = saved
    return notices
