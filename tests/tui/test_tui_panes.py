"""Panes: the registry's rows, switching by key, palette and `/name`, the status bar's pane,
the Workbench handed to every pane, and the chat's /gates choice saved with the session."""

from __future__ import annotations

import asyncio

import pytest

from ingle.tui.app import IngleApp
from ingle.tui.panes.base import Pane
from ingle.tui.panes.chat.slash_actions import KEYS_HELP
from ingle.tui.panes.chat.slash_commands import BY_NAME
from ingle.tui.panes.registry import PANES
from tests.tui.test_tui_support import WAIT_S, opened, settle, shown, submit

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (120, 36)


def test_every_row_names_a_pane_with_its_own_key_and_command() -> None:
    names = [spec.name for spec in PANES]
    keys = [spec.key for spec in PANES]
    assert names[0] == "chat"
    assert len(set(names)) == len(names) and len(set(keys)) == len(keys)
    # The prompt is a TextArea, which takes F6 (select line) and F7 (select all) itself.
    chat_keys = {"f1", "f3", "f4", "f6", "f7", "ctrl+b", "ctrl+t", "ctrl+p", "ctrl+q", "escape",
                 "enter"}
    assert not chat_keys & set(keys), "a pane key shadows one of the chat's"
    for spec in PANES:
        cls = spec.load()
        assert issubclass(cls, Pane) and cls.PANE == spec.name
        if spec.name != "chat":
            command = BY_NAME[spec.name]
            assert command.pane and spec.key_label in command.help


@pytest.mark.parametrize("spec", PANES, ids=[spec.name for spec in PANES])
async def test_the_key_and_the_command_open_the_pane_and_the_bar_names_it(tui_repo, spec) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await pilot.press(spec.key)
        await settle(app, pilot)
        assert app.current_mode == spec.name and isinstance(app.screen, Pane)
        pane = app.screen
        pane.status_bar.flush()
        assert pane.status_bar.info.segments()[0] == spec.title
        assert str(pane.status_bar.render()).startswith(spec.title)
        # Every pane gets the Workbench the coding session was built on.
        assert pane.workbench is chat.engine.workbench
        # The footer lists the keys of all panes.
        footer_keys = {key for key, b in app.active_bindings.items() if b.binding.show}
        assert {s.key for s in PANES} <= footer_keys
        if spec.name != "chat":
            await pilot.press(PANES[0].key)
            await pilot.pause()
            assert app.current_mode == "chat"
            await submit(pilot, chat, f"/{spec.name}")
            await settle(app, pilot)
            assert app.current_mode == spec.name


async def test_the_palette_switches_panes_and_lists_the_open_panes_entries(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        titles = [entry.title for entry in chat.palette_entries()]
        assert "Toggle thinking" in titles and any(t.startswith("Persona: ") for t in titles)
        last = PANES[-1]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*f"Pane: {last.title}")
        await asyncio.wait_for(_palette_highlights(app, pilot, f"Pane: {last.title}"), WAIT_S)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.current_mode == last.name


async def test_help_lists_the_pane_keys(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/help")
        help_text = shown(chat)[-1][1]
        assert KEYS_HELP.strip() in help_text
        for spec in PANES:
            assert f"{spec.key_label} {spec.title}" in help_text


async def test_the_gates_choice_is_saved_with_the_session(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/gates python")
        assert chat.engine.session.gates == ["python"]
    again = IngleApp(tui_repo)
    async with again.run_test(size=SIZE) as pilot:
        chat = await opened(again, pilot)
        assert chat.engine.session.gates == ["python"]
        await submit(pilot, chat, "/gates")
        assert shown(chat)[-1][1] == "gates: python"


async def _palette_highlights(app, pilot, title: str) -> None:  # noqa: ANN001
    """Until the palette's search (a worker of its own) has put `title` under the cursor:
    Enter before that picks nothing, or the previous best match."""
    from textual.command import CommandList

    while True:
        await pilot.pause()
        found = app.screen.query(CommandList)
        if found:
            commands = found.first()
            index = commands.highlighted
            if index is not None and title in str(commands.get_option_at_index(index).prompt):
                return
