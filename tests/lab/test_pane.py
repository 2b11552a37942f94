"""The Personas pane through Pilot: the list with versions and models, live validation,
the request as sent, saving a version and its diff, restore, the test panel, the creator
and register with read-back, against the fake Ollama server."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input, Static

from ingle.tui.app import IngleApp
from ingle.tui.panes.personas.form import PersonaForm
from ingle.tui.panes.personas.pane import PersonasPane
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply
from tests.tui.test_tui_support import opened, settle

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (140, 44)


async def open_pane(app: IngleApp, pilot) -> PersonasPane:
    await opened(app, pilot)
    await pilot.press("f5")
    await settle(app, pilot)
    pane = app.screen
    assert isinstance(pane, PersonasPane)
    return pane


def text_of(pane: PersonasPane, selector: str) -> str:
    return str(pane.query_one(selector, Static).content)


async def choose(app, pilot, pane: PersonasPane, name: str) -> None:
    table = pane.query_one("#personas", DataTable)
    table.focus()
    table.move_cursor(row=[r.name for r in pane.rows].index(name))
    await settle(app, pilot)


async def test_list_form_validation_prompt_save_diff_and_restore(tui_repo) -> None:
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        table = pane.query_one("#personas", DataTable)
        names = [r.name for r in pane.rows]
        assert "my-coder" in names and table.row_count == len(names)
        assert table.get_row("my-coder")[1] == "v1 (1)"
        assert "qwen3:8b" in table.get_row("my-coder")[2]
        await choose(app, pilot, pane, "my-coder")
        assert pane.selected == "my-coder@1"
        form = pane.query_one(PersonaForm)
        assert form.query_one("#field-name", Input).value == "my-coder"
        sent = json.loads(text_of(pane, "#prompt-sent").split("\n", 1)[1])
        assert sent["options"]["temperature"] == 0.1 and sent["messages"][-1]["content"] == "(your text)"

        temperature = form.query_one("#field-temperature", Input)
        temperature.focus()
        temperature.value = "7"
        await pilot.pause()
        assert "temperature:" in text_of(pane, "#form-errors")
        assert temperature.has_class("-invalid")
        temperature.value = "0.25"
        await pilot.pause()
        assert text_of(pane, "#form-errors") == "valid"
        sent = json.loads(text_of(pane, "#prompt-sent").split("\n", 1)[1])
        assert sent["options"]["temperature"] == 0.25  # the request as sent follows the form

        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert pane.selected == "my-coder@2"
        await pilot.press("escape", "h")
        await settle(app, pilot)
        versions = pane.query_one("#versions", DataTable)
        assert versions.row_count == 2 and versions.get_row("2")[2] == "user"
        assert "-temperature = 0.1" in text_of(pane, "#version-diff")
        assert "+temperature = 0.25" in text_of(pane, "#version-diff")

        versions.move_cursor(row=1)  # v1
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert pane.selected == "my-coder@3"
        assert form.query_one("#field-temperature", Input).value == "0.1"


async def test_test_panel_runs_the_selected_version(tui_repo, fake_ollama: FakeOllama) -> None:
    fake_ollama.script(Reply(text="func Reverse() {}", thinking="short one"))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        await choose(app, pilot, pane, "my-coder")
        await pilot.press("t")
        pane.query_one("#test-input", Input).value = "reverse a slice in Go"
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert text_of(pane, "#test-output") == "func Reverse() {}"
        assert "short one" in text_of(pane, "#test-thinking")
        stats = text_of(pane, "#test-stats")
        assert stats.startswith("my-coder@1 · ") and "tokens" in stats and " s" in stats
        request = fake_ollama.requests_to("/api/chat")[-1].json
        assert request["messages"][-1]["content"] == "reverse a slice in Go"


async def test_creator_proposes_into_the_form_and_register_reads_back(
    tui_repo, fake_ollama: FakeOllama
) -> None:
    fake_ollama.script(Reply(text=json.dumps({
        "name": "go-helper", "description": "helps with Go", "task_kind": "code",
        "role": "You help with Go.", "constraints": "- Be brief.", "format": "Code only.",
        "structured": False,
    })))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert "What should this persona do?" in text_of(pane, "#creator-log")
        await pilot.press(*"help me write Go", "enter")
        await settle(app, pilot)
        log = text_of(pane, "#creator-log")
        assert "you: help me write Go" in log and "proposal 1" in log
        assert "In what domain or project?" in log
        form = pane.query_one(PersonaForm)
        assert form.query_one("#field-name", Input).value == "go-helper"
        assert form.query_one("#field-temperature", Input).value == "0.1"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert pane.selected == "go-helper@1"
        assert pane.service is not None
        assert pane.service.versions("go-helper")[0].author == "creator"

        fake_ollama.dropped_parameters = {"temperature"}
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        progress = text_of(pane, "#export-progress")
        assert "success" in progress and "MISMATCH parameters.temperature" in progress
        await pilot.press("escape", "x", "x", "x")
        await pilot.pause()
        assert text_of(pane, "#export-text").startswith("claude-agent → .claude/agents/go-helper.md")


def test_snapshot_of_the_pane(tui_repo, snap_compare) -> None:
    async def run_before(pilot) -> None:
        await open_pane(pilot.app, pilot)
        await choose(pilot.app, pilot, pilot.app.screen, "my-architect")

    assert snap_compare(IngleApp(tui_repo), terminal_size=(120, 36), run_before=run_before)


async def test_ab_in_chat_is_blind_until_the_pick(tui_repo, fake_ollama: FakeOllama) -> None:
    from ingle.memory.persona_preferences import preferences
    from tests.tui.test_tui_support import shown, submit

    fake_ollama.script(Reply(text="answer of the 8b"), Reply(text="answer of the 14b"))
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        await submit(pilot, chat, "/ab my-coder+qwen3:8b my-coder+qwen3:14b reverse a list")
        await settle(app, pilot)
        texts = [text for _, text in shown(chat)]
        answers = next(t for t in texts if "**Answer 1**" in t)
        assert "answer of the 8b" in answers and "answer of the 14b" in answers
        assert "qwen3:14b" not in answers and "qwen3:8b" not in answers  # blind
        assert "/ab 1, /ab 2 or /ab tie" in texts[-1]
        models = [r.json["model"] for r in fake_ollama.requests_to("/api/chat")]
        assert models == ["qwen3:8b", "qwen3:14b"]
        first_is_8b = answers.index("answer of the 8b") < answers.index("answer of the 14b")
        await submit(pilot, chat, "/ab 1")
        await settle(app, pilot)
        reveal = [text for _, text in shown(chat)][-1]
        first = "my-coder@1+qwen3:8b" if first_is_8b else "my-coder@1+qwen3:14b"
        assert f"1 was {first}" in reveal and f"stored: {first} (tag code)" in reveal
        [stored] = preferences(chat.engine.workbench.store)
        assert stored.winner == ("left" if first_is_8b else "right")
        await submit(pilot, chat, "/ab 2")
        assert "no A/B waiting" in [text for _, text in shown(chat)][-1]
