"""The Evals pane in the real app (Pilot), against the fake Ollama: run a suite from the
pane, the grid and its summary, details, human labels, filters, stop and resume; and a
snapshot of a stored run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ingle.core.config.paths import IngleDirs
from ingle.memory import evals as rows
from ingle.memory.store import Store
from ingle.tui.app import IngleApp
from ingle.tui.panes.evals.dialogs import LinePrompt, SampleDetails
from ingle.tui.panes.evals.pane import EvalsPane
from tests.evals.helpers import by_prompt, last_user, write_suite
from tests.fakes.script import Reply
from tests.tui.test_tui_support import opened

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (120, 30)
WAIT_S = 60
SUITE = '''
[[cases]]
id = "capital"
prompt = "Capital of France?"
expected = "Paris"
checks = [{ type = "contains", must_pass = true }]
[[cases]]
id = "number"
prompt = "Say 42."
checks = [{ type = "contains", value = "42" }]
'''


@pytest.fixture
def suites(tui_repo: Path, ingle_home: Path) -> Path:
    directory = ingle_home / "config" / "evals"
    directory.mkdir(parents=True, exist_ok=True)
    write_suite(directory, "pair", SUITE)
    return tui_repo


async def until(pilot, condition) -> None:  # noqa: ANN001
    async def check() -> None:
        while not condition():
            await pilot.pause()
    await asyncio.wait_for(check(), WAIT_S)


async def open_pane(app: IngleApp, pilot) -> EvalsPane:  # noqa: ANN001
    await opened(app, pilot)
    await pilot.press("f9")
    await until(pilot, lambda: isinstance(app.screen, EvalsPane)
                and app.screen.workbench is not None)
    pane = app.screen
    await app.workers.wait_for_complete()
    await pilot.pause()
    return pane


def grid_text(pane: EvalsPane) -> list[list[str]]:
    table = pane.query_one("#grid")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_run_a_suite_from_the_pane_and_label_it(suites, fake_ollama):
    fake_ollama.respond_with(by_prompt({"France": "Paris", "42": "41"}))
    app = IngleApp(suites)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        assert "no eval runs yet" in str(pane.query_one("#run").render())
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, LinePrompt))
        app.screen.query_one("Input").value = "pair --models qwen3:8b,qwen3:4b"
        await pilot.press("enter")
        await until(pilot, lambda: pane.report is not None and pane.report.run.status == "done")
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows_shown = grid_text(pane)
        assert rows_shown[0][0] == "capital" and rows_shown[0][1].startswith("✓ 1.00")
        assert rows_shown[1][0] == "number" and rows_shown[1][1].startswith("✗ 0.00")
        assert rows_shown[2][0] == "summary" and rows_shown[2][1].startswith("50% p50")
        assert pane.subjects == ["my-generalist@1 x qwen3:8b", "my-generalist@1 x qwen3:4b"]
        assert "done 4/4" in " ".join(pane.status_fields())

        await pilot.press("enter")  # the cursor starts on the first subject's first case
        await until(pilot, lambda: isinstance(app.screen, SampleDetails))
        text = app.screen.text
        assert "sample #0: pass" in text and "contains [pass 1.00]" in text
        assert "output:\nParis" in text and "diff against my-generalist@1 x qwen3:4b" in text
        assert '"role": "system"' in text  # the request as sent
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is pane)

        await pilot.press("minus")  # the human disagrees with the check's pass
        await until(pilot, lambda: pane.agreement == (0, 1))
        assert "checks agree with you 0/1" in pane.status_fields()
        await pilot.press("f")  # failures only
        await until(pilot, lambda: pane.filter == "failures" and len(pane.rows) == 1)
        assert pane.rows == ["number"]
    store = Store(IngleDirs.from_env().database)
    run = rows.list_runs(store)[0][0]
    labels = rows.labels_of(store, run.id)
    store.close()
    assert [lb.thumbs for lb in labels.values()] == [-1]


async def test_stop_and_resume_from_the_pane(suites, fake_ollama):
    def stall_on_number(request):  # noqa: ANN001, ANN202
        if "42" in last_user(request):
            return Reply(text="4", stall_after=1)
        return Reply(text="Paris")

    fake_ollama.respond_with(stall_on_number)
    app = IngleApp(suites)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, LinePrompt))
        app.screen.query_one("Input").value = "pair --models qwen3:8b"
        await pilot.press("enter")
        await until(pilot, lambda: pane.progress == "running 1/2")
        await pilot.press("x")
        await until(pilot, lambda: pane.report is not None and pane.report.run.status == "interrupted")
        assert pane.report.run.stored == 1
        fake_ollama.respond_with(by_prompt({"France": "Paris", "42": "42"}))
        await pilot.press("u")
        await until(pilot, lambda: pane.report is not None and pane.report.run.status == "done")
        assert pane.report.run.stored == 2
        assert [r[1][:1] for r in grid_text(pane)[:2]] == ["✓", "✓"]


def stored_run(home: Path) -> None:
    """A finished run with fixed ids and timings, so the picture holds no clock."""
    with Store(IngleDirs.from_env().database) as store:
        subjects = [{"persona": "my-coder", "version": 1, "model": m}
                    for m in ("qwen3:8b", "qwen2.5-coder:7b")]
        rows.create_run(store, rows.RunRow(
            id="20261203-120000-abcd", suite="pair", suite_json=(
                '{"name": "pair", "cases": [{"id": "capital"}, {"id": "number"}], "samples": 3}'),
            subjects_json=rows.dumps(subjects), samples=3, status="done",
            started_at=1_796_299_200.0, finished_at=1_796_299_260.0))
        for case, passes in (("capital", (3, 2)), ("number", (0, 3))):
            for column, model in enumerate(("qwen3:8b", "qwen2.5-coder:7b")):
                for index in range(3):
                    ok = index < passes[column]
                    sample_id = rows.add_sample(store, rows.SampleRow(
                        run_id="20261203-120000-abcd", case_id=case,
                        subject=f"my-coder@1 x {model}", sample_index=index, cache_key="k",
                        model=model, output="Paris" if ok else "Lyon", output_tokens=12,
                        latency_s=0.5 + column, tok_s=40.0, created_at=1.0))
                    rows.put_scores(store, [rows.ScoreRow(
                        sample_id=sample_id, run_id="20261203-120000-abcd", check_name="contains",
                        kind="contains", passed=ok, score=float(ok), must_pass=True)])


def test_snapshot_of_a_stored_run(suites, ingle_home, snap_compare):
    stored_run(ingle_home)

    async def ready(pilot) -> None:  # noqa: ANN001
        app = pilot.app
        pane = await open_pane(app, pilot)
        await until(pilot, lambda: pane.report is not None)
        app.set_shared_status(claude_today_usd=0.0)
        await pilot.pause()
        pane.status_bar.flush()
        await pilot.pause()

    assert snap_compare(IngleApp(suites), terminal_size=SIZE, run_before=ready)
