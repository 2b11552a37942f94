"""The app end to end: the real engine, a real repository, the fake Ollama server."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.fakes.script import Reply
from tests.git_env import git
from tests.tui.test_tui_support import (
    GREET,
    GREET_EDIT,
    Waiter,
    message_of,
    opened,
    settle,
    shown,
    shown_text,
    submit,
)
from ingle.tui.app import IngleApp
from ingle.tui.shell.approval import ApprovalScreen
from ingle.tui.shell.approver import ApprovalNeeded
from ingle.tui.widgets.markdown_document import MarkdownDocument

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (110, 36)


async def test_a_prompt_streams_a_reply_and_an_approved_edit_is_committed(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(thinking="The function needs a parameter.", text=GREET_EDIT))
    waiter = Waiter()
    asked = waiter.watch(message_of(ApprovalNeeded))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "greet by name @greet.py")
        await waiter.wait(asked)
        await pilot.pause()
        assert isinstance(app.screen, ApprovalScreen)
        assert "+def greet(name):" in app.screen.request.detail
        await pilot.press("y")
        await settle(app, pilot)
        kinds = [kind for kind, _ in shown(chat)]
        entries = dict(shown(chat))
        assert chat.engine.session.chat_files == ["greet.py"]
        assert entries["thinking"] == "The function needs a parameter."
        assert entries["answer"] == "Adding a name.\n\n✎ an edit to `greet.py` (its diff follows)\n"
        assert "+def greet(name):" in entries["diff"]
        assert kinds.index("thinking") < kinds.index("answer") < kinds.index("diff")
        assert "committed" in shown_text(chat)
        # The thinking folded away once the answer began.
        assert chat.transcript.query("ThinkingBlock").first().collapsed
        assert chat.status.info.answer_tokens is not None and chat.status.info.num_ctx
    assert (tui_repo / "greet.py").read_text() == 'def greet(name):\n    return f"hi {name}"\n'
    assert "(ingle)" in git(tui_repo, "log", "-1", "--format=%cn")


async def test_a_rejected_edit_writes_nothing(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text=GREET_EDIT))
    waiter = Waiter()
    asked = waiter.watch(message_of(ApprovalNeeded))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "greet by name @greet.py")
        await waiter.wait(asked)
        await pilot.pause()
        await pilot.press("n")
        await settle(app, pilot)
        assert "refused" in shown_text(chat)
    assert (tui_repo / "greet.py").read_text() == GREET
    assert git(tui_repo, "log", "--oneline").count("\n") == 1


async def test_always_approves_later_edits_of_the_session(tui_repo, fake_ollama) -> None:
    second = GREET_EDIT.replace("greet(name)", "greet(name, punctuation)").replace(
        'def greet():\n    return "hi"\n', 'def greet(name):\n    return f"hi {name}"\n', 1
    )
    fake_ollama.script(Reply(text=GREET_EDIT), Reply(text=second))
    waiter = Waiter()
    asked = waiter.watch(message_of(ApprovalNeeded))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "greet by name @greet.py")
        await waiter.wait(asked)
        await pilot.pause()
        await pilot.press("a")
        await settle(app, pilot)
        assert chat.status.info.auto_edits
        asked_again = waiter.watch(message_of(ApprovalNeeded))
        await submit(pilot, chat, "and punctuation")
        await settle(app, pilot)
        assert not asked_again.is_set()
    assert "punctuation" in (tui_repo / "greet.py").read_text()


async def test_escape_interrupts_the_stream_keeps_the_text_and_writes_nothing(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text="Partial answer that goes on and on " + GREET_EDIT, stall_after=4))
    waiter = Waiter()
    streaming = waiter.watch(
        lambda receiver, message: isinstance(receiver, MarkdownDocument)
        and receiver.parent is not None
        and receiver.parent.has_class("answer")
    )
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "greet by name @greet.py")
        await waiter.wait(streaming)
        await pilot.press("escape")
        await settle(app, pilot)
        entries = shown(chat)
        answer = next(text for kind, text in entries if kind == "answer")
        assert answer.startswith("Partial answer")
        assert "interrupted" in entries[-1][1]
        assert not chat.status.info.busy
    assert (tui_repo / "greet.py").read_text() == GREET
    assert git(tui_repo, "status", "--porcelain") == ""


async def test_at_completion_offers_repository_files_and_adds_the_choice(tui_repo, fake_ollama) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        chat.prompt.focus()
        await pilot.press(*"look at @utl")
        await pilot.pause()
        assert chat.menu.shown
        assert chat.menu.chosen.label == "src/util.py"
        await pilot.press("tab")
        await pilot.pause()
        assert chat.prompt.text == "look at @src/util.py "
        assert not chat.menu.shown
        assert chat.engine.session.chat_files == ["src/util.py"]
        assert "src/util.py" in chat.files_panel.files


async def test_the_server_being_down_is_a_readable_message(tui_repo, monkeypatch) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{port}")
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "hello")
        await settle(app, pilot)
        text = shown_text(chat)
        assert f"127.0.0.1:{port}" in text
        assert "Traceback" not in text and "bug in Ingle" not in text
        assert not app._exception


async def test_a_broken_config_is_shown_and_the_app_stays_up(tui_repo, ingle_home: Path) -> None:
    (ingle_home / "config" / "config.toml").write_text("default_num_ctx = 'lots'\n")
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        assert app.opened is None
        assert "default_num_ctx" in shown_text(chat)
        await submit(pilot, chat, "hello")
        await pilot.pause()
        assert app.is_running


async def test_the_conversation_is_restored_on_the_next_start_and_new_starts_fresh(
    tui_repo, fake_ollama
) -> None:
    fake_ollama.script(Reply(text="Hello **there**."))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/add greet.py")
        await submit(pilot, chat, "/ask say hello")
        await settle(app, pilot)
    again = IngleApp(tui_repo)
    async with again.run_test(size=SIZE) as pilot:
        chat = await opened(again, pilot)
        restored = shown(chat)
        assert ("user", "say hello") in restored and ("answer", "Hello **there**.") in restored
        assert chat.engine.session.chat_files == ["greet.py"]
        assert [m.role for m in chat.engine.session.history] == ["user", "assistant"]
        assert chat.history.back("") == "say hello"
    fresh = IngleApp(tui_repo, new_session=True)
    async with fresh.run_test(size=SIZE) as pilot:
        chat = await opened(fresh, pilot)
        assert [kind for kind, _ in shown(chat) if kind in ("user", "answer")] == []
        assert chat.engine.session.history == []


async def test_the_theme_switches_live_and_is_remembered(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        assert app.theme == "ingle-dark"
        assert {"ingle-dark", "ingle-light", "textual-dark"} <= set(app.available_themes)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Theme: ingle-light")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "ingle-light" and not app.current_theme.dark
    again = IngleApp(tui_repo)
    async with again.run_test(size=SIZE) as pilot:
        await opened(again, pilot)
        assert again.theme == "ingle-light"
