"""Snapshots of the main screen states (pytest-textual-snapshot).

The conversation shown is a saved one, restored from the state database, so the
pictures hold no timings. Update after an intended change with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ingle.core.agent.approvals import ApprovalRequest
from ingle.core.config.paths import IngleDirs
from ingle.core.agent.saved_session import ConversationEntry, append_entries, start_conversation
from ingle.memory.store import Store
from tests.tui.test_tui_support import opened
from ingle.tui.app import IngleApp
from ingle.tui.shell.approval import ApprovalScreen

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (100, 34)
DIFF = (
    "--- a/greet.py\n+++ b/greet.py\n@@ -1,2 +1,2 @@\n-def greet():\n-    return \"hi\"\n"
    "+def greet(name):\n+    return f\"hi {name}\"\n"
)
SAVED = [
    ConversationEntry(kind="user", text="greet by name @greet.py"),
    ConversationEntry(kind="step", text="qwen3:8b (think off)", data={"style": "dim"}),
    ConversationEntry(kind="thinking", text="The function needs a parameter."),
    ConversationEntry(
        kind="answer",
        text="Adding a **name** parameter:\n\n```python\ndef greet(name):\n    return f\"hi {name}\"\n```\n",
    ),
    ConversationEntry(kind="diff", text=DIFF, data={"path": "greet.py"}),
    ConversationEntry(kind="step", text="gate python: passed compile + ruff (0.04s)", data={"style": "ok"}),
    ConversationEntry(kind="step", text="committed 51dd849: feat: greet by name", data={"style": "ok"}),
    ConversationEntry(
        kind="step", text="committed · greet.py · 1614 prompt + 25 output tokens · 2.3s", data={"style": "summary"}
    ),
]


@pytest.fixture
def saved_repo(tui_repo: Path) -> Path:
    with Store(IngleDirs.from_env().database) as store:
        conversation = start_conversation(
            store, str(tui_repo.resolve()), '{"persona": "my-generalist", "chat_files": ["greet.py"]}'
        )
        append_entries(store, conversation.id, SAVED)
    return tui_repo


async def ready(pilot) -> None:
    """The same picture on a loaded machine: the session open, no blinking cursor, the
    figures that arrive from threads already in, the throttled status bar drawn."""
    app = pilot.app
    chat = await opened(app, pilot)
    chat.prompt.cursor_blink = False
    app.set_shared_status(claude_today_usd=0.0)
    await pilot.pause()
    chat.status_bar.flush()
    await focus_settled(pilot)


async def focus_settled(pilot) -> None:
    """Focus and blur arrive as messages, and the cursor's drawing followed them late on a
    loaded machine: the prompt gives focus up and the picture waits until it has, so no
    picture has a cursor."""
    app = pilot.app
    chat = app.pane("chat")

    async def settled() -> None:
        chat.set_focus(None)
        while chat.prompt.has_focus:
            await pilot.pause()

    await asyncio.wait_for(settled(), 20)
    await pilot.pause()


def test_restored_conversation(saved_repo, snap_compare) -> None:
    assert snap_compare(IngleApp(saved_repo), terminal_size=SIZE, run_before=ready)


def test_files_panel_and_light_theme(saved_repo, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        pilot.app.theme = "ingle-light"
        await pilot.press("ctrl+b")
        await focus_settled(pilot)

    assert snap_compare(IngleApp(saved_repo), terminal_size=SIZE, run_before=run_before)


def test_command_completion(saved_repo, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("/", "t")
        await focus_settled(pilot)

    assert snap_compare(IngleApp(saved_repo), terminal_size=SIZE, run_before=run_before)


def test_approval_of_edits(saved_repo, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await ready(pilot)
        request = ApprovalRequest(kind="apply_edits", summary="apply edits to greet.py", detail=DIFF)
        await pilot.app.push_screen(ApprovalScreen(request, asyncio.get_running_loop().create_future()))
        await focus_settled(pilot)

    assert snap_compare(IngleApp(saved_repo), terminal_size=SIZE, run_before=run_before)


def test_an_engine_that_cannot_open(tui_repo, snap_compare) -> None:
    assert snap_compare(IngleApp(tui_repo, persona="no-such-persona"), terminal_size=SIZE, run_before=ready)
