"""Every `/` command, typed into the real app over the real engine and repository."""

from __future__ import annotations

from tests.fakes.script import Reply
from tests.git_env import ANN, git
from tests.tui.test_tui_support import (
    GREET,
    GREET_EDIT,
    Waiter,
    message_of,
    opened,
    settle,
    shown,
    submit,
)
from ingle.tui.app import IngleApp
from ingle.tui.shell.call_log import CallLogScreen
from ingle.tui.panes.chat.slash_commands import SLASH_COMMANDS
from ingle.tui.shell.approver import ApprovalNeeded

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (110, 36)


def last(chat) -> str:
    return shown(chat)[-1][1]


async def test_files_commands_add_list_and_drop(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/add greet.py src/util.py")
        assert chat.engine.session.chat_files == ["greet.py", "src/util.py"]
        assert chat.files_panel.files == ["greet.py", "src/util.py"]
        await submit(pilot, chat, "/add nowhere.py")
        assert "nowhere.py: no such file" in last(chat)
        await submit(pilot, chat, "/files")
        assert shown(chat)[-1] == ("note", "- `greet.py`\n- `src/util.py`")
        await submit(pilot, chat, "/drop greet.py")
        assert chat.engine.session.chat_files == ["src/util.py"]
        await submit(pilot, chat, "/drop")
        assert chat.engine.session.chat_files == [] and chat.files_panel.files == []
        await submit(pilot, chat, "/files")
        assert "No files" in last(chat)


async def test_modes_models_personas_and_thinking(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        session = chat.engine.session
        await submit(pilot, chat, "/ask")
        assert session.mode == "ask"
        await submit(pilot, chat, "/code")
        assert session.mode == "code"
        await submit(pilot, chat, "/model qwen3:4b")
        assert session.model == "qwen3:4b" and chat.status.info.model == "qwen3:4b"
        await submit(pilot, chat, "/model default")
        assert session.model is None
        await submit(pilot, chat, "/persona")
        listing = last(chat)
        names = [p.name for p in chat.engine.personas()]
        assert all(f"**{name}**" in listing for name in names) and "(current)" in listing
        other = next(name for name in names if name != session.persona)
        await submit(pilot, chat, f"/persona {other}")
        assert session.persona == other
        await submit(pilot, chat, "/persona no-such-persona")
        assert "no persona named 'no-such-persona'" in last(chat)
        assert session.persona == other
        await submit(pilot, chat, "/think")
        assert session.think is True
        await submit(pilot, chat, "/think off")
        assert session.think is False
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert session.think is None
        await submit(pilot, chat, "/think maybe")
        assert "use on, off, auto" in last(chat) and session.think is None


async def test_ask_with_text_answers_without_editing(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text=GREET_EDIT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ask what would you change in @greet.py")
        await settle(app, pilot)
        assert shown(chat)[-1][0] == "step" and "answered" in last(chat)
        assert chat.engine.session.mode == "code"  # a one-off question leaves the mode alone
    assert (tui_repo / "greet.py").read_text() == GREET


async def test_undo_diff_and_commit(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text=GREET_EDIT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/diff")
        assert "no Ingle commit" in last(chat)
        await submit(pilot, chat, "/undo")
        assert "nothing undone" in last(chat)
        await pilot.press("f4")  # auto-apply edits: no approval for this turn
        await submit(pilot, chat, "greet by name @greet.py")
        await settle(app, pilot)
        await submit(pilot, chat, "/diff")
        kind, diff = shown(chat)[-1]
        assert kind == "diff" and '+    return f"hi {name}"' in diff
        await submit(pilot, chat, "/undo")
        assert "undid" in last(chat) and "restored greet.py" in last(chat)
        assert (tui_repo / "greet.py").read_text() == GREET
        await submit(pilot, chat, "/commit")
        assert "nothing to commit" in last(chat)
        (tui_repo / "greet.py").write_text(GREET + "# mine\n")
        await submit(pilot, chat, "/commit keep my note")
        assert "as yours" in last(chat)
    assert git(tui_repo, "log", "-1", "--format=%s|%an") == "keep my note|Ann Example\n"


async def test_run_asks_first_and_shows_the_output(tui_repo) -> None:
    waiter = Waiter()
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        asked = waiter.watch(message_of(ApprovalNeeded))
        await submit(pilot, chat, "/run echo ran-here > proof.txt; echo done")
        await waiter.wait(asked)
        await pilot.pause()
        await pilot.press("n")
        await settle(app, pilot)
        assert "not run" in last(chat) and not (tui_repo / "proof.txt").exists()
        asked = waiter.watch(message_of(ApprovalNeeded))
        await submit(pilot, chat, "/run echo ran-here > proof.txt; echo done")
        await waiter.wait(asked)
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        kind, note = shown(chat)[-1]
        assert kind == "note" and "exit 0" in note and "done" in note
    assert (tui_repo / "proof.txt").read_text() == "ran-here\n"


async def test_clear_tokens_gates_test_and_compact(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text="Hi."))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ask hello")
        await settle(app, pilot)
        first = chat.opened.conversation.id
        await submit(pilot, chat, "/compact")
        await settle(app, pilot)
        assert "compact:" in last(chat)
        await submit(pilot, chat, "/clear")
        assert chat.engine.session.history == [] and chat.opened.conversation.id != first
        assert [kind for kind, _ in shown(chat)] == ["step"]
        await submit(pilot, chat, "/tokens")
        await settle(app, pilot)
        kind, note = shown(chat)[-1]
        assert kind == "note" and "tokens" in note and "system" in note
        await submit(pilot, chat, "/gates off")
        assert chat.engine.session.gates == "off" and last(chat) == "gates: off"
        await submit(pilot, chat, "/gates python,javascript")
        assert chat.engine.session.gates == ["python", "javascript"]
        await submit(pilot, chat, "/test on")
        assert chat.engine.tests_enabled() and "on" in last(chat)
        await submit(pilot, chat, "/test off")
        assert not chat.engine.tests_enabled()


async def test_help_log_unknown_and_quit(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text="Hi."))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/help")
        help_text = last(chat)
        assert all(f"/{c.name}" in help_text for c in SLASH_COMMANDS)
        await submit(pilot, chat, "/frobnicate")
        assert "/frobnicate is not a command" in last(chat)
        await submit(pilot, chat, "/ask hello")
        await settle(app, pilot)
        await submit(pilot, chat, "/log")
        await settle(app, pilot)
        assert isinstance(app.screen, CallLogScreen)
        assert app.screen.calls and app.screen.calls[0].reply_text == "Hi."
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is chat
        await submit(pilot, chat, "/quit")
        await pilot.pause()
        assert not app.is_running


async def test_slash_completion_lists_matching_commands(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        chat.prompt.focus()
        await pilot.press("/")
        await pilot.pause()
        assert chat.menu.shown and chat.menu.option_count == len(SLASH_COMMANDS)
        await pilot.press("h", "e")
        await pilot.pause()
        assert chat.menu.chosen.label == "/help"
        await pilot.press("enter")  # accepts the completion, does not send
        await pilot.pause()
        assert chat.prompt.text == "/help "
        await pilot.press("enter")
        await pilot.pause()
        assert "/quit" in last(chat)
        await pilot.press(*"/files")  # typed in full: Enter sends at once
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert chat.prompt.text == "" and "No files" in last(chat)


async def test_test_runs_the_repositorys_tests_now(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/test")
        await settle(app, pilot)
        assert "no test command found" in last(chat)
        (tui_repo / "test_greet.py").write_text(
            "from greet import greet\n\n\ndef test_greet():\n    assert greet() == 'hi'\n"
        )
        await submit(pilot, chat, "/test")
        await settle(app, pilot)
        assert "passed" in last(chat) and "pytest" in last(chat)


async def test_escalate_sends_the_last_request_to_claude(
    tui_repo, fake_ollama, fake_anthropic, ingle_home
) -> None:
    # One local rung: a reply without an edit fails the turn there instead of climbing to
    # Claude on its own, so /escalate is what sends it.
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[budget]\nmax_rungs = 1\n")
    fake_ollama.respond_with(lambda request: Reply(text="I am not sure."))
    fake_anthropic.script(Reply(text=GREET_EDIT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await pilot.press("f4")  # auto-apply edits
        await submit(pilot, chat, "greet by name @greet.py")
        await settle(app, pilot)
        await submit(pilot, chat, "/escalate")
        await settle(app, pilot)
    claude = [r.json for r in fake_anthropic.requests if r.path.endswith("/messages")]
    assert len(claude) == 1 and "greet by name" in claude[0]["messages"][-1]["content"]
    assert 'return f"hi {name}"' in (tui_repo / "greet.py").read_text()


async def test_init_offers_git_where_there_is_none(tmp_path, gitconfig) -> None:
    gitconfig.write_text(ANN)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text("x = 1\n")
    app = IngleApp(plain)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        assert any("not a git repository" in text for _, text in shown(chat))
        await submit(pilot, chat, "/init")
        assert "created a git repository" in last(chat)
        assert chat.engine.repo is not None and (plain / ".git").is_dir()
