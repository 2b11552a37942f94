"""The app as people use it (issue 14, "The app"): the real app through Pilot, the real
engine and repository, the fake Ollama server."""

from __future__ import annotations

import io
import socket
import threading
from pathlib import Path

from rich.console import Console
from rich.markdown import Markdown
from textual import events

from ingle.tui.app import IngleApp
from ingle.tui.widgets.thinking_block import ThinkingBlock
from tests.fakes.script import Reply
from tests.git_env import ANN, git
from ingle.tui.shell.approval import ApprovalScreen
from ingle.tui.shell.approver import ApprovalNeeded
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

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (120, 40)


def last(chat) -> str:
    return shown(chat)[-1][1]


def user_text(request) -> str:
    return request.json["messages"][-1]["content"]


def chat_requests(server) -> list:
    return [r for r in server.requests if r.path == "/api/chat"]


async def test_enter_runs_the_typed_command_when_the_menu_has_not_caught_up(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        chat.prompt.focus()
        await pilot.press("/")
        await pilot.pause()
        assert chat.menu.shown and chat.menu.chosen.label == "/add"
        # A fast typist: the keys arrive before the menu has seen the text change.
        for key in "files":
            chat.prompt.post_message(events.Key(key, key))
        chat.prompt.post_message(events.Key("enter", None))
        await settle(app, pilot)
        assert chat.prompt.text == ""
        assert "No files in the chat" in last(chat)


async def test_a_completion_is_still_taken_when_it_matches_the_text(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        chat.prompt.focus()
        await pilot.press(*"/fil")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert chat.prompt.text == "/files "


async def test_a_message_sent_while_a_turn_streams_is_queued_and_sent_after_it(tui_repo, fake_ollama) -> None:
    release = threading.Event()

    def answer(request) -> Reply:
        if "first question" in user_text(request):
            release.wait(30)  # the first turn streams until the test lets it end
            return Reply(text="First answer.")
        return Reply(text="Second answer.")

    fake_ollama.respond_with(answer)
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ask first question")
        await pilot.pause()
        assert chat.turn_running
        await submit(pilot, chat, "/ask second question")
        await pilot.pause()
        assert chat.turn_running and len(chat.queued) == 1
        assert last(chat).startswith("queued: second question")
        assert "1 queued" in chat.status.info.segments()
        release.set()
        await settle(app, pilot)
        await settle(app, pilot)
        entries = shown(chat)
        answers = [text for kind, text in entries if kind == "answer"]
        assert answers == ["First answer.", "Second answer."]
        assert "interrupted" not in shown_text(chat)
        users = [i for i, (kind, _) in enumerate(entries) if kind == "user"]
        first_answer = entries.index(("answer", "First answer."))
        assert users[0] < first_answer < users[1]
        assert chat.queued == [] and chat.status.info.queued == 0
    assert [user_text(r) for r in chat_requests(fake_ollama)][-1].endswith("second question")


async def test_escape_still_interrupts_and_the_queued_message_comes_back(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text="A long answer that goes on and on", stall_after=2))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ask first question")
        await pilot.pause()
        await submit(pilot, chat, "second question")
        await pilot.pause()
        assert len(chat.queued) == 1
        await pilot.press("escape")
        await settle(app, pilot)
        assert "interrupted" in shown_text(chat)
        assert chat.prompt.text == "second question" and chat.queued == []
    assert len(chat_requests(fake_ollama)) == 1


def _rendered(markdown: str) -> str:
    out = io.StringIO()
    Console(file=out, width=110, color_system=None).print(Markdown(markdown))
    return out.getvalue()


async def test_help_and_f1_keep_each_commands_row_whole(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/help")
        typed = last(chat)
        chat.prompt.blur()
        await pilot.press("f1")
        await pilot.pause()
        assert last(chat) == typed
        table = _rendered(typed)
        for row in ("/think [on|off|auto|low|medium|high]", "/gates [auto|off|NAME,...]", "/test [on|off]"):
            assert row in table
        assert "`" not in table


async def test_a_broken_config_is_one_clear_state_with_file_and_line_and_exit_2(
    tui_repo, ingle_home: Path
) -> None:
    config = ingle_home / "config" / "config.toml"
    config.write_text("default_num_ctx = 'lots'\n\n[git]\ngenerate_messages = false\n")
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        text = shown_text(chat)
        assert f"{config}: key 'default_num_ctx' (line 1)" in text
        assert not app._notifications  # one state, not a toast over it
        await submit(pilot, chat, "hello")
        await pilot.pause()
        assert "could not open" in last(chat) and "Still opening" not in shown_text(chat)
        await pilot.press("ctrl+q")
    assert app.return_code == 2


async def test_the_first_screen_says_where_who_whether_the_server_answers_and_what_to_type(
    tui_repo, fake_ollama
) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        engine = chat.engine
        kinds = [kind for kind, _ in shown(chat)]
        welcome, server = shown(chat)[0][1], shown(chat)[-1][1]
        assert kinds[0] == "note"
        assert str(tui_repo) in welcome and engine.session.persona in welcome
        assert engine.first_model() in welcome
        assert welcome.count("\n- `") == 3 and "/help" in welcome
        assert fake_ollama.url.removeprefix("http://") in server
        assert "answers" in server and f"{engine.first_model()} is installed" in server


async def test_the_first_screen_says_when_the_server_does_not_answer(tui_repo, monkeypatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"http://127.0.0.1:{port}")
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        assert f"127.0.0.1:{port}" in last(chat) and "does not answer" in last(chat)


async def test_files_named_in_the_message_are_in_the_first_request(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text="It says hi."))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ask what does greet.py return, and src/util.py?")
        await settle(app, pilot)
        assert chat.engine.session.chat_files == ["greet.py", "src/util.py"]
    requests = chat_requests(fake_ollama)
    assert len(requests) == 1
    sent = "\n".join(m["content"] for m in requests[0].json["messages"])
    assert 'return "hi"' in sent and "X = 1" in sent


async def test_pageup_scrolls_while_typing_and_new_output_below_is_announced(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=(100, 24)) as pilot:
        chat = await opened(app, pilot)
        for _ in range(3):
            await submit(pilot, chat, "/help")
        await pilot.pause()
        transcript = chat.transcript
        assert transcript.max_scroll_y > 0 and transcript.scroll_y == transcript.max_scroll_y
        chat.prompt.focus()
        await pilot.press(*"half typed")
        await pilot.press("pageup")
        await pilot.pause()
        assert transcript.scroll_y < transcript.max_scroll_y
        assert chat.prompt.has_focus and chat.prompt.text == "half typed"
        assert not transcript.below.has_class("-shown")
        chat.prompt.load_text("/files")
        await pilot.press("enter")
        await pilot.pause()
        assert transcript.below.has_class("-shown")
        for _ in range(40):
            if not transcript.below.has_class("-shown"):
                break
            await pilot.press("pagedown")
            await pilot.pause()
        assert not transcript.below.has_class("-shown")
        assert transcript.scroll_y == transcript.max_scroll_y


async def test_a_key_opens_the_thinking_block(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(thinking="Weighing it up.", text="Hi."))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ask hello")
        await settle(app, pilot)
        block = chat.transcript.query(ThinkingBlock).last()
        assert block.collapsed
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert not block.collapsed
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert block.collapsed


async def test_model_lists_the_installed_models(tui_repo, fake_ollama) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/model")
        await settle(app, pilot)
        listing = last(chat)
        for name in ("qwen3:8b", "qwen3:14b", "qwen3:4b", "qwen2.5-coder:7b"):
            assert f"`{name}`" in listing
        assert f"`{chat.engine.first_model()}` (in use)" in listing
        assert chat.engine.session.model is None


async def test_test_says_what_runs_before_the_result(tui_repo) -> None:
    (tui_repo / "test_greet.py").write_text(
        "from greet import greet\n\n\ndef test_greet():\n    assert greet() == 'hi'\n"
    )
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/test")
        assert last(chat).startswith("running the tests: ") and "pytest" in last(chat)
        await settle(app, pilot)
        assert "passed" in last(chat)


async def test_init_makes_the_first_commit(tmp_path, gitconfig) -> None:
    gitconfig.write_text(ANN)  # the first commit is the user's: under their name
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text("x = 1\n")
    (plain / ".gitignore").write_text("*.log\n")
    (plain / "debug.log").write_text("noise\n")
    app = IngleApp(plain)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/init")
        assert "first commit" in last(chat)
    assert git(plain, "log", "--format=%s").strip() == "Initial commit"
    assert git(plain, "ls-files").split() == [".gitignore", "app.py"]
    assert git(plain, "status", "--porcelain") == ""


async def test_drop_on_an_empty_chat_says_so(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/drop")
        assert last(chat) == "no files in the chat to drop"
    assert (tui_repo / "greet.py").read_text() == GREET


async def test_the_change_is_shown_once_as_its_diff(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text=GREET_EDIT))
    waiter = Waiter()
    asked = waiter.watch(message_of(ApprovalNeeded))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "greet by name @greet.py")
        await waiter.wait(asked)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ApprovalScreen)
        assert dialog.query_one("#approval-detail").has_class("-hidden")
        assert "greet.py +2 -2" in str(dialog.query_one("#approval-summary").render())
        await pilot.press("y")
        await settle(app, pilot)
        entries = shown(chat)
        assert [kind for kind, _ in entries].count("diff") == 1
        answer = next(text for kind, text in entries if kind == "answer")
        assert "SEARCH" not in answer and "greet.py" in answer
    again = IngleApp(tui_repo)
    async with again.run_test(size=SIZE) as pilot:
        chat = await opened(again, pilot)
        restored = next(text for kind, text in shown(chat) if kind == "answer")
        assert restored == answer


async def test_turn_time_leaves_out_the_wait_for_approval(tui_repo, fake_ollama) -> None:
    fake_ollama.script(Reply(text=GREET_EDIT))
    waiter = Waiter()
    asked = waiter.watch(message_of(ApprovalNeeded))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE, message_hook=waiter.hook) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "greet by name @greet.py")
        await waiter.wait(asked)
        for _ in range(5):  # the person reads the diff for a while
            await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        finished = chat.last_presenter.finished
        waited = chat.approver.waited_s
        assert waited > 0 and finished is not None
        summary = next(text for kind, text in reversed(shown(chat)) if kind == "step" and " · " in text)
        assert summary.endswith(f"{finished.duration_s - waited:.1f}s")
