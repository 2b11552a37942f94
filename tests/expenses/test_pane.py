"""The Expenses pane through Pilot: the real app, its store and the fake Ollama."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, Static, TabbedContent

from ingle.core.frontends.cli import main
from ingle.tui.app import IngleApp
from ingle.tui.panes.expenses.dialogs import CategoryPicker, TextPrompt
from ingle.tui.panes.expenses.pane import ExpensesPane
from tests.expenses.conftest import verdicts
from tests.fakes.ollama_server import FakeOllama
from tests.tui.test_tui_support import opened

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (120, 36)


def seed(capsys) -> None:  # noqa: ANN001
    """Two months of expenses through the CLI, as a user would have them."""
    assert main(["expense", "rules", "add", "--contains", "cinema", "entertainment"]) == 0
    assert main(["expense", "rules", "add", "--contains", "market", "groceries"]) == 0
    for text in ("cinema 40 2026-10-03", "market 120.50 2026-10-04", "market 30 2026-11-02"):
        assert main(["expense", "add", text]) == 0
    capsys.readouterr()


async def open_pane(app: IngleApp, pilot) -> ExpensesPane:  # noqa: ANN001
    await opened(app, pilot)
    await pilot.press("f8")
    await pilot.pause()
    pane = app.screen
    assert isinstance(pane, ExpensesPane)

    async def loaded() -> None:
        while pane.service is None or not pane.query_one("#expenses", DataTable).row_count:
            await app.workers.wait_for_complete()
            await pilot.pause()

    await asyncio.wait_for(loaded(), 30)
    return pane


async def settle(app: IngleApp, pilot) -> None:  # noqa: ANN001
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_ledger_shows_each_line_with_why_it_got_its_category(tui_repo: Path, capsys) -> None:
    await asyncio.to_thread(seed, capsys)
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        table = pane.query_one("#expenses", DataTable)
        assert table.row_count == 3
        assert [table.get_row_at(i)[3] for i in range(3)] == ["entertainment", "groceries", "groceries"]
        detail = str(pane.query_one("#detail", Static).render())
        assert "user rule" in detail and "cinema" in detail
        assert "Expenses" in str(pane.status_bar.render())
        await pilot.press("]")  # the first month
        await settle(app, pilot)
        assert table.row_count == 2 and pane.month == "2026-10"
        await pilot.press("]")
        await settle(app, pilot)
        assert table.row_count == 1 and pane.month == "2026-11"
        await pilot.press("a")
        await settle(app, pilot)
        assert table.row_count == 3


async def test_one_key_recategorises_and_the_correction_is_kept(
    tui_repo: Path, fake_ollama: FakeOllama, capsys
) -> None:
    fake_ollama.script(verdicts(("shopping", 0.2)))
    assert await asyncio.to_thread(main, ["expense", "add", "Livraria Cultura 89,90"]) == 0
    capsys.readouterr()
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        table = pane.query_one("#expenses", DataTable)
        assert table.get_row_at(0)[5] == "waiting"
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CategoryPicker)
        await pilot.press(*"books")  # a new category, typed
        await pilot.press("enter")
        await settle(app, pilot)
        assert table.get_row_at(0)[3] == "books" and table.get_row_at(0)[5] == ""
        assert "set by you" in str(pane.query_one("#detail", Static).render())
    assert await asyncio.to_thread(main, ["memory", "corrections", "--domain", "expenses"]) == 0
    assert "books" in capsys.readouterr().out


async def test_add_rules_and_totals(tui_repo: Path, capsys) -> None:
    await asyncio.to_thread(seed, capsys)
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_pane(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"contains padaria -> groceries")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "padaria" in [r.pattern for r in pane.rules]
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"padaria 8,50")
        await pilot.press("enter")
        await settle(app, pilot)
        table = pane.query_one("#expenses", DataTable)
        assert table.row_count == 4
        assert table.get_row_at(3)[3] == "groceries"  # the new rule decided it, no model
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"regex (broken -> x", "enter")
        await settle(app, pilot)
        assert len(pane.rules) == 3  # refused with a message, nothing added
        await pilot.press("t")
        await pilot.press("t")
        await pilot.pause()
        assert pane.query_one("#tabs", TabbedContent).active == "totals"
        chart = str(pane.query_one("#chart", Static).render())
        assert "2026-11" in chart and "groceries" in chart and "█" in chart


def test_the_pane_snapshot(tui_repo: Path, capsys, snap_compare) -> None:  # noqa: ANN001
    seed(capsys)

    async def ready(pilot) -> None:  # noqa: ANN001
        await open_pane(pilot.app, pilot)
        await settle(pilot.app, pilot)

    assert snap_compare(IngleApp(tui_repo), terminal_size=SIZE, run_before=ready)
