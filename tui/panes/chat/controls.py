"""What the `/` commands may do to the chat pane: a small protocol, so the actions module
needs nothing of the pane's class (and the pane imports the actions, not the reverse)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ingle.core.agent.saved_session import ConversationEntry

from textual.signal import Signal

from ingle.tui.panes.base import PaneHost

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.core.agent.saved_session import OpenedSession


class ChatHost(PaneHost, Protocol):
    """What the chat pane reads of the app: the coding session it opened, or why it could not."""

    opened: OpenedSession | None
    open_error: str | None
    session_opened: Signal[OpenedSession]
    open_failed: Signal[str]


class ChatControls(Protocol):
    @property
    def engine(self) -> Engine: ...

    @property
    def turn_running(self) -> bool: ...

    def add_entry(self, entry: ConversationEntry) -> None: ...

    def list_models(self) -> None: ...

    def files_changed(self) -> None: ...

    def refresh_status(self) -> None: ...

    def save_session(self) -> None: ...

    def next_think(self) -> Any: ...

    def start_turn(self, instruction: str, mode: str | None = None, escalate: str | None = None) -> None: ...

    def last_instruction(self) -> str: ...

    def new_conversation(self) -> None: ...

    def show_tokens(self) -> None: ...

    def run_tests_now(self) -> None: ...

    def compact(self) -> None: ...

    def run_shell(self, command: str) -> None: ...

    def show_log(self) -> None: ...

    def switch_pane(self, name: str) -> None: ...

    async def quit(self) -> None: ...
