"""The Evals pane's own keys in the real app (Pilot): stars that survive a restart and drive
the starred filter, c to capture a cell's output as a case, R to refine the column's persona
with live progress. Runs come from the real CLI against the fake Ollama."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.memory import evals as rows
from ingle.memory.store import Store
from ingle.tui.app import IngleApp
from ingle.tui.panes.evals.dialogs import LinePrompt
from tests.evals.helpers import by_prompt, ingle, open_workbench, write_suite
from tests.evals.test_pane import SIZE, SUITE, open_pane, until
from tests.evals.test_refine import SUITE as REFINE_SUITE
from tests.evals.test_refine import scripted

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture


@pytest.fixture
def ran(tui_repo: Path, ingle_home: Path, fake_ollama) -> Path:  # noqa: ANN001
    directory = ingle_home / "config" / "evals"
    directory.mkdir(parents=True, exist_ok=True)
    write_suite(directory, "pair", SUITE)
    write_suite(directory, "refine", REFINE_SUITE)
    fake_ollama.respond_with(by_prompt({"France": "Paris", "42": "41"}))
    assert main(["eval", "run", "pair", "--models", "qwen3:8b,qwen3:4b", "--json"]) == 0
    return tui_repo


def footer_keys(app: IngleApp) -> dict[str, str]:
    return {key: b.binding.description for key, b in app.active_bindings.items() if b.binding.show}


async def test_stars_are_stored_and_survive_a_restart(ran, capsys):
    app = IngleApp(ran)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        assert footer_keys(app)["s"] == "Star"
        await pilot.press("down")  # the second case: number
        await pilot.press("s")
        await until(pilot, lambda: pane.starred == {"number"})
        assert pane.query_one("#grid").get_row_at(1)[0] == "* number"
    with Store(IngleDirs.from_env().database) as store:
        assert rows.stars_of(store, "pair") == {"number"}
    app = IngleApp(ran)  # a new app: the star is read back
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        await until(pilot, lambda: pane.starred == {"number"})
        for _ in range(3):  # all -> failures -> differences -> starred
            await pilot.press("f")
        await until(pilot, lambda: pane.filter == "starred" and pane.rows == ["number"])
        await pilot.press("s")  # unstar it
        await until(pilot, lambda: pane.starred == set() and pane.rows == [])
    with Store(IngleDirs.from_env().database) as store:
        assert rows.stars_of(store, "pair") == set()


async def test_c_captures_the_selected_output_as_a_case(ran, ingle_home):
    app = IngleApp(ran)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        assert footer_keys(app)["c"] == "Capture"
        path = ingle_home / "config" / "evals" / "captured.toml"
        await pilot.press("c")  # capital x qwen3:8b: passed, so a reference answer
        await until(pilot, path.is_file)
        await pilot.press("down", "c")  # number x qwen3:8b: failed ("41")
        await until(pilot, lambda: len(tomllib.loads(path.read_text())["cases"]) == 2)
        await app.workers.wait_for_complete()
        await pilot.press("c")  # the same sample again: refused, the file unchanged
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.rows == ["capital", "number"]
    cases = tomllib.loads(path.read_text())["cases"]
    capital, number = cases
    assert capital["tags"] == ["captured", "passing", "eval"] and capital["expected"] == "Paris"
    assert capital["messages"][-1] == {"role": "user", "content": "Capital of France?"}
    assert number["tags"] == ["captured", "failing", "eval"] and "41" in number["checks"][0]["rubric"]
    # the captured suite runs like any other
    done = ingle("eval", "run", "captured", "--models", "qwen3:8b", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["run"]["suite"] == "captured"


async def test_r_refines_the_columns_persona_with_live_progress(ran, fake_ollama, capsys):
    fake_ollama.respond_with(by_prompt({"France": "Paris"}, default="Paris"))
    assert ingle("eval", "run", "refine", "--models", "qwen3:8b", "--json").returncode in (0, 1)
    fake_ollama.respond_with(scripted(["MARKER-BAD", "MARKER-MEH", "MARKER-GOOD"]))
    app = IngleApp(ran)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        assert footer_keys(app)["R"] == "Refine"
        assert pane.report is not None and pane.report.run.suite == "refine"
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, LinePrompt))
        assert "Refine my-generalist with suite refine?" in app.screen.question
        await pilot.press("enter")
        await until(pilot, lambda: pane.progress.startswith("refine: saved"))
        assert pane.progress == "refine: saved my-generalist@2 (0.333 -> 1.000)"
        log = pane.progress_log
        assert log[0] == "refine: round 1: running 1 train cases with my-generalist@1"
        assert "refine: candidate 1: 0.667 vs 0.333: regresses must-pass h1:contains" in log
        assert "refine: candidate 3: 1.000 vs 0.333: improves" in log
        assert sum(line.endswith(": done 3/3") for line in log) == 4  # holdout + 3 candidates
        assert log[-1] == pane.progress
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.report is not None and pane.report.run.suite == "refine (candidate 3)"
        await pilot.press("R")  # on one of refine's own runs: still the suite it came from
        await until(pilot, lambda: isinstance(app.screen, LinePrompt))
        assert "Refine my-generalist with suite refine?" in app.screen.question
        await pilot.press("escape")
    wb = open_workbench()
    try:
        saved = wb.personas.get("my-generalist")
        assert saved.version_number == 2 and saved.persona.role.startswith("MARKER-GOOD")
    finally:
        wb.store.close()


async def test_refine_options_are_checked(ran):  # noqa: ANN001
    app = IngleApp(ran)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, LinePrompt))
        app.screen.query_one("Input").value = "--rounds many"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert pane.progress == ""
        assert any("--rounds 'many' is not a int" in str(n.message) for n in app._notifications)
