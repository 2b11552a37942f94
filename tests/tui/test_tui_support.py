"""Shared pieces of the TUI tests (no tests here): a repository, the app, waiting.

Waiting is on events, never on time: a message hook sees every message the app
dispatches, with the receiving widget, and sets an asyncio.Event when a
condition first holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from textual._context import active_message_pump
from textual.message import Message
from textual.message_pump import MessagePump
from textual.pilot import Pilot

from tests.git_env import make_repo
from ingle.tui.app import IngleApp
from ingle.tui.panes.chat.screen import ChatPane
from ingle.tui.panes.chat.widgets.transcript import entry_of

GREET = 'def greet():\n    return "hi"\n'
WAIT_S = 20.0


def edit(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


GREET_EDIT = "Adding a name.\n\n" + edit(
    "greet.py", 'def greet():\n    return "hi"\n', 'def greet(name):\n    return f"hi {name}"\n'
)


@pytest.fixture
def tui_repo(tmp_path: Path, gitconfig: Path, ingle_home: Path) -> Path:
    # Commit messages by rule, not by a model call: each scripted reply answers a turn.
    (ingle_home / "config").mkdir(parents=True, exist_ok=True)
    (ingle_home / "config" / "config.toml").write_text("[git]\ngenerate_messages = false\n")
    return make_repo(
        tmp_path, gitconfig, {"greet.py": GREET, "src/util.py": "X = 1\n", "README.md": "# r\n"}
    )


Condition = Callable[[MessagePump, Message], bool]


class Waiter:
    """Pass `waiter.hook` as run_test's message_hook; `await waiter.until(cond)`."""

    def __init__(self) -> None:
        self._watches: list[tuple[Condition, asyncio.Event]] = []

    def hook(self, message: Message) -> None:
        receiver = active_message_pump.get(None)
        for condition, event in self._watches:
            if not event.is_set() and receiver is not None and condition(receiver, message):
                event.set()

    def watch(self, condition: Condition) -> asyncio.Event:
        """Start watching now (before the action that causes the message)."""
        event = asyncio.Event()
        self._watches.append((condition, event))
        return event

    @staticmethod
    async def wait(event: asyncio.Event) -> None:
        await asyncio.wait_for(event.wait(), WAIT_S)


def message_of(kind: type[Message]) -> Condition:
    return lambda receiver, message: isinstance(message, kind)


async def opened(app: IngleApp, pilot: Pilot) -> ChatPane:
    """Wait until the chat pane has the opened session (or the reason it could not open)."""

    async def chat_ready() -> ChatPane:
        while True:
            await app.workers.wait_for_complete()
            await pilot.pause()
            chat = app.pane("chat")
            if isinstance(chat, ChatPane) and (chat.opened is not None or chat.open_error is not None):
                await app.workers.wait_for_complete()  # the spend and files readers it started
                await pilot.pause()
                return chat

    return await asyncio.wait_for(chat_ready(), WAIT_S)


async def submit(pilot: Pilot, chat: ChatPane, text: str) -> None:
    chat.prompt.focus()
    chat.prompt.load_text(text)
    await pilot.press("enter")


async def settle(app: IngleApp, pilot: Pilot) -> None:
    """Wait until every worker (the turn, the shell, the store readers) is done."""
    await asyncio.wait_for(app.workers.wait_for_complete(), WAIT_S)
    await pilot.pause()


def shown(chat: ChatPane) -> list[tuple[str, str]]:
    """(kind, text) of every entry on screen, oldest first."""
    out = []
    for widget in chat.transcript.entry_widgets:
        entry = entry_of(widget)
        if entry is not None:
            out.append((entry.kind, entry.text))
    return out


def shown_text(chat: ChatPane) -> str:
    return "\n".join(text for _, text in shown(chat))
