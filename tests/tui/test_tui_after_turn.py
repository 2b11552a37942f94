"""The app after and around a turn (issue 14): the status bar shows the persona's model
again once a turn that climbed ends, and /escalate without a key stops and says what to
set; /test shows the run's output while it runs. The real app through Pilot, the real engine and repository, the fake Ollama."""

from __future__ import annotations

import asyncio
import json
import os

from ingle.tui.app import IngleApp
from ingle.tui.panes.chat.widgets.test_progress import TestProgress
from tests.fakes.script import Reply
from tests.git_env import ANN, git
from tests.tui.test_tui_support import WAIT_S, GREET, GREET_EDIT, opened, settle, shown, submit

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (120, 40)


def chat_requests(server) -> list:  # noqa: ANN001
    return [r for r in server.requests if r.path == "/api/chat"]


async def test_after_a_turn_that_climbed_the_status_bar_shows_the_personas_model(tui_repo, fake_ollama) -> None:
    del fake_ollama.models["qwen3:8b"]  # the first rung's model is missing: the turn climbs
    fake_ollama.respond_with(lambda request: Reply(text=GREET_EDIT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        own = chat.engine.first_model()
        assert own == "qwen3:8b"
        await pilot.press("f4")  # auto-apply edits
        await submit(pilot, chat, "greet by name @greet.py")
        await settle(app, pilot)
        finished = chat.last_presenter.finished
        assert finished is not None and finished.outcome == "committed"
        assert [r.json["model"] for r in chat_requests(fake_ollama)][-1] == "qwen3:14b"
        assert chat.status.info.model == own and chat.engine.session.model is None
        chat.status.flush()
        assert f"{chat.engine.session.persona} · {own}" in str(chat.status_bar.render())


async def test_escalate_without_a_key_stops_and_says_to_set_it(tui_repo, fake_ollama) -> None:
    fake_ollama.respond_with(lambda request: Reply(text=GREET_EDIT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        before = len(shown(chat))
        await submit(pilot, chat, "/escalate greet by name @greet.py")
        await settle(app, pilot)
        said = shown(chat)[before:]
        assert len(said) == 1 and "set" in said[0][1].lower() and "ANTHROPIC_API_KEY" in said[0][1]
        assert chat.last_presenter is None  # no turn ran
    assert chat_requests(fake_ollama) == []
    assert (tui_repo / "greet.py").read_text() == GREET


async def test_test_shows_the_runs_output_live_before_it_ends(tui_repo, ingle_home, tmp_path) -> None:
    gate = tmp_path / "gate.fifo"
    os.mkfifo(gate)
    command = f"echo collected 2 items; echo test_one PASSED; read go < {gate}; echo 2 passed"
    config = ingle_home / "config" / "config.toml"
    config.write_text(config.read_text() + f"\n[tests]\ncommand = {json.dumps(command)}\n")
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/test")

        async def progress_shows_output() -> TestProgress:
            while True:
                await pilot.pause()
                found = chat.transcript.query(TestProgress)
                if found and "test_one PASSED" in found.last().shown():
                    return found.last()

        progress = await asyncio.wait_for(progress_shows_output(), WAIT_S)
        # The run is still blocked on the FIFO: this is progress, not the result.
        assert chat.turn_running and "2 lines of output so far" in progress.shown()
        assert "2 passed" not in progress.shown()
        await asyncio.wait_for(asyncio.to_thread(gate.write_text, "go\n"), WAIT_S)
        await settle(app, pilot)
        assert not chat.transcript.query(TestProgress)
        assert "passed" in shown(chat)[-1][1]


async def test_undo_puts_the_work_a_turn_saved_first_back_uncommitted(tui_repo, fake_ollama) -> None:
    mine = GREET + '\n\ndef wave():\n    return "o/"\n'  # the user's, not committed
    (tui_repo / "greet.py").write_text(mine)
    fake_ollama.respond_with(lambda request: Reply(text=GREET_EDIT))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await pilot.press("f4")  # auto-apply edits
        await submit(pilot, chat, "greet by name @greet.py")
        await settle(app, pilot)
        assert any("your uncommitted changes to greet.py were committed first" in t for _, t in shown(chat))
        await submit(pilot, chat, "/undo")
        await settle(app, pilot)
        assert "your uncommitted changes to greet.py are back, uncommitted" in shown(chat)[-1][1]
    assert (tui_repo / "greet.py").read_text() == mine
    assert git(tui_repo, "status", "--porcelain") == " M greet.py\n"
    assert git(tui_repo, "log", "--format=%s").split("\n")[0] == "initial"


async def test_init_without_a_git_identity_asks_for_one_then_makes_the_first_commit(
    tmp_path, gitconfig
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "app.py").write_text("x = 1\n")
    app = IngleApp(plain)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/init")
        said = shown(chat)[-1][1]
        assert "no first commit: git does not know who you are" in said
        assert 'git config --global user.name "Your Name"' in said and "/init again" in said
        assert git(plain, "rev-list", "--all") == ""  # nothing committed under another name
        gitconfig.write_text(ANN)
        await submit(pilot, chat, "/init")
        assert "first commit" in shown(chat)[-1][1] and "no first commit" not in shown(chat)[-1][1]
    assert git(plain, "log", "--format=%an|%s").strip() == "Ann Example|Initial commit"


async def test_an_edit_in_aiders_source_fence_is_applied_and_folds_to_one_line(tui_repo, fake_ollama) -> None:
    reply = 'greet.py\n<source>python\n<<<<<<< SEARCH\n    return "hi"\n=======\n    return "hello"\n>>>>>>> REPLACE\n</source>\n'
    fake_ollama.respond_with(lambda request: Reply(text=reply))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await pilot.press("f4")  # auto-apply edits
        await submit(pilot, chat, "say hello @greet.py")
        await settle(app, pilot)
        answer = next(text for kind, text in shown(chat) if kind == "answer")
        assert answer.strip() == "✎ an edit to `greet.py` (its diff follows)"
        assert [kind for kind, _ in shown(chat)].count("diff") == 1
    assert (tui_repo / "greet.py").read_text() == 'def greet():\n    return "hello"\n'


async def test_add_takes_a_quoted_name_with_a_space(tui_repo) -> None:
    (tui_repo / "my notes.txt").write_text("todo\n")
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, '/add "my notes.txt" greet.py')
        assert shown(chat)[-1][1] == "added my notes.txt, greet.py"
        assert chat.engine.session.chat_files == ["my notes.txt", "greet.py"]
