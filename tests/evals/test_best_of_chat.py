"""`/best N` in the chat: typed into the real app; the next turn draws N replies."""

from __future__ import annotations

from ingle.tui.app import IngleApp

from tests.fakes.script import Reply
from tests.git_env import git
from tests.tui.test_tui_support import GREET, edit, opened, settle, shown, shown_text, submit

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (110, 36)
BROKEN = edit("greet.py", 'def greet():\n    return "hi"\n', 'def greet(:\n    return "hi"\n')
RIGHT = edit("greet.py", 'def greet():\n    return "hi"\n', 'def greet(name):\n    return f"hi {name}"\n')


async def test_best_n_draws_candidates_and_keeps_the_one_that_passes(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text=BROKEN), Reply(text=RIGHT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/help")
        assert "/best" in shown(chat)[-1][1]
        await submit(pilot, chat, "/best 12")
        assert "use a number from 1 to 8" in shown(chat)[-1][1]
        await submit(pilot, chat, "/best 3")
        assert chat.engine.session.best_of == 3
        assert shown(chat)[-1][1] == "best of 3: the first attempt draws 3 replies"
        await pilot.press("f4")  # auto-apply edits: no approval for this turn
        await submit(pilot, chat, "/add greet.py")
        await submit(pilot, chat, "greet by name")
        await settle(app, pilot)
        text = shown_text(chat)
        assert "best of 3: candidate 1: gate python failed" in text
        assert "best of 3: kept candidate 2 (temperature 0.4): it passed gates and tests" in text
        assert (tui_repo / "greet.py").read_text() == 'def greet(name):\n    return f"hi {name}"\n'
        assert len([r for r in fake_ollama.requests_to("/api/chat")]) == 2  # the third never drawn
        await submit(pilot, chat, "/best off")
        assert chat.engine.session.best_of == 1
        chat.prompt.focus()
        await pilot.press(*"/bes")
        await pilot.pause()
        assert chat.menu.shown and chat.menu.chosen.label == "/best"
    assert git(tui_repo, "log", "--format=%s").count("\n") == 2  # initial + the kept edit
    assert GREET not in (tui_repo / "greet.py").read_text()


async def test_best_n_is_saved_with_the_conversation(tui_repo, fake_ollama) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/best 2")
        assert chat.engine.session.best_of == 2
        chat.status.flush()
        assert "best of 2" in str(chat.status_bar.render())  # on while it is on
    app = IngleApp(tui_repo)  # the app again: the conversation comes back with its choice
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        assert chat.engine.session.best_of == 2
        await submit(pilot, chat, "/best")
        assert shown(chat)[-1][1] == "best of 2: the first attempt draws 2 replies"
        await submit(pilot, chat, "/best off")
        chat.status.flush()
        assert "best of" not in str(chat.status_bar.render())
