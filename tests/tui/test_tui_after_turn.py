"""The app after and around a turn (issue 14): the status bar shows the persona's model
again once a turn that climbed ends, and /escalate without a key stops and says what to
set. The real app through Pilot, the real engine and repository, the fake Ollama."""

from __future__ import annotations

from ingle.tui.app import IngleApp
from tests.fakes.script import Reply
from tests.tui.test_tui_support import GREET, GREET_EDIT, opened, settle, shown, submit

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
