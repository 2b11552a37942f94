"""The Memory tab of the Personas pane through Pilot: search, pin, archive and restore,
edit (superseding) and history of the selected persona's memories."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Static

from ingle.core.memories.service import MemoryService
from ingle.core.workbench import Workbench
from ingle.tui.app import IngleApp
from ingle.tui.panes.personas.memory_section import MemorySection
from ingle.tui.panes.personas.pane import PersonasPane
from tests.tui.test_tui_support import opened, settle

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (140, 44)


def seed() -> None:
    bench = Workbench.open()
    service = MemoryService(bench)
    service.add("my-writer", "The user writes about sailing")
    service.add("my-writer", "The user prefers short paragraphs", kind="preference")
    bench.store.close()


async def test_memory_tab_search_pin_archive_edit_history(tui_repo) -> None:
    seed()
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        pane = app.screen
        assert isinstance(pane, PersonasPane)
        people = pane.query_one("#personas", DataTable)
        people.focus()
        people.move_cursor(row=[r.name for r in pane.rows].index("my-writer"))
        await settle(app, pilot)
        await pilot.press("m")
        await settle(app, pilot)
        section = pane.query_one(MemorySection)
        table = section.query_one("#memory-table", DataTable)
        assert section.persona == "my-writer" and table.row_count == 2
        assert "core block 0/1500 chars" in str(section.query_one("#memory-core", Static).content)
        # search
        await pilot.click("#memory-search")
        await pilot.press(*"sailing", "enter")
        await settle(app, pilot)
        assert [m.text for m in section.rows] == ["The user writes about sailing"]
        # pin, then archive and restore
        table.focus()
        await pilot.press("i")
        await settle(app, pilot)
        service = section.service
        memory_id = section.rows[0].id
        assert service.get(memory_id).pinned and table.get_row_at(0)[1] == "pinned"
        await pilot.press("a")
        await settle(app, pilot)
        assert service.get(memory_id).status == "archived"
        await pilot.press("a")
        await settle(app, pilot)
        assert service.get(memory_id).status == "active"
        # edit supersedes; history shows every change
        await pilot.press("e")
        await settle(app, pilot)
        field = section.query_one("#memory-edit", Input)
        assert field.value == "The user writes about sailing" and field.has_focus
        field.value = "The user writes about sailing and boats"
        await pilot.press("enter")
        await settle(app, pilot)
        assert service.get(memory_id).status == "superseded"
        table.focus()
        section.query_one("#memory-search", Input).value = ""
        section.refresh_rows()
        table.move_cursor(row=[m.id for m in section.rows].index(memory_id))
        await pilot.press("y")
        await settle(app, pilot)
        history = str(section.query_one("#memory-history-text", Static).content)
        assert history.startswith(f"history of #{memory_id}:")
        for op in ("supersede by user", "restore by user", "forget by user", "pin by user", "add by user"):
            assert op in history
