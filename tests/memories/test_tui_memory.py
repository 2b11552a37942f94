"""/remember, /forget (with undo) and /memories typed into the real app."""

from __future__ import annotations

from ingle.tui.app import IngleApp
from tests.tui.test_tui_support import opened, shown, submit

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (110, 36)


def last(chat) -> str:
    return shown(chat)[-1][1]


async def test_remember_forget_undo_and_list(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        persona = chat.engine.session.persona
        await submit(pilot, chat, "/remember I deploy on Fridays")
        assert last(chat).startswith("remembered #1: I deploy on Fridays")
        await submit(pilot, chat, "/remember I deploy on fridays")
        assert "already remembered as #1" in last(chat)
        await submit(pilot, chat, "/memories")
        assert shown(chat)[-1][0] == "note" and "`#1` I deploy on Fridays" in last(chat)
        assert f"Memories of {persona}" in last(chat)
        await submit(pilot, chat, "/memories deploy")
        assert "`#1` I deploy on Fridays" in last(chat)
        await submit(pilot, chat, "/forget 1")
        assert "forgot #1" in last(chat) and "/forget undo" in last(chat)
        assert chat.engine.memories.get(1).status == "archived"
        await submit(pilot, chat, "/memories")
        assert "No memories" in last(chat)
        await submit(pilot, chat, "/forget undo")
        assert last(chat).startswith("restored #1")
        assert chat.engine.memories.get(1).status == "active"
        await submit(pilot, chat, "/forget 99")
        assert "no memory #99" in last(chat)
        await submit(pilot, chat, "/forget")
        assert "/forget needs a memory id" in last(chat)
        await submit(pilot, chat, "/remember")
        assert "/remember needs the text" in last(chat)
