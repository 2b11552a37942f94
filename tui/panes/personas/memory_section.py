"""The Personas pane's Memory tab: the selected persona's memories, searchable, with pin,
archive (and restore), edit and history, all through MemoryService (nothing is deleted)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static

from ingle.core.errors import IngleError

if TYPE_CHECKING:
    from ingle.core.memories.models import MemoryRow
    from ingle.core.memories.service import MemoryService


class MemorySection(Vertical):
    DEFAULT_CSS = """
    MemorySection { padding: 0 1; }
    MemorySection #memory-table { height: 1fr; }
    MemorySection #memory-history { height: 8; color: $text-muted; }
    MemorySection #memory-core { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "search", "Search", id="memory.search"),
        Binding("i", "pin", "Pin", id="memory.pin"),
        Binding("a", "archive", "Archive/restore", id="memory.archive"),
        Binding("e", "edit", "Edit", id="memory.edit"),
        Binding("y", "history", "History", id="memory.history"),
    ]

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.service: MemoryService | None = None
        self.persona: str | None = None
        self.rows: list[MemoryRow] = []
        self.editing: int | None = None  # the memory the edit input replaces

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search memories (Enter); empty lists them all", id="memory-search")
        yield Static("", id="memory-core", markup=False)
        yield DataTable(id="memory-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="e: edit the selected memory here, Enter saves", id="memory-edit")
        with VerticalScroll(id="memory-history"):
            yield Static("", id="memory-history-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#memory-table", DataTable).add_columns("id", "status", "kind", "uses", "memory")

    def show(self, service: MemoryService, persona: str) -> None:
        self.service, self.persona = service, persona
        self.refresh_rows()

    def refresh_rows(self) -> None:
        if self.service is None or self.persona is None:
            return
        query = self.query_one("#memory-search", Input).value.strip()
        try:
            self.rows = ([s.memory for s in self.service.search(self.persona, query, limit=200,
                                                                include_all=True)]
                         if query else self.service.list(self.persona, include_all=True, limit=500))
        except IngleError as exc:
            self.notify(exc.message, severity="warning")
            self.rows = []
        table = self.query_one("#memory-table", DataTable)
        table.clear()
        for m in self.rows:
            status = ("pinned" if m.pinned else "") if m.status == "active" else m.status
            table.add_row(f"#{m.id}", status, m.kind, str(m.use_count), m.text, key=str(m.id))
        core = self.service.core_block(self.persona)
        self.query_one("#memory-core", Static).update(
            f"{self.persona}: {len(self.rows)} shown, core block {core.fill}")

    def selected(self) -> MemoryRow | None:
        table = self.query_one("#memory-table", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _do(self, change: str) -> None:
        memory = self.selected()
        if memory is None or self.service is None:
            self.notify("no memory selected", severity="warning")
            return
        try:
            if change == "pin":
                self.service.pin(memory.id, not memory.pinned)
            elif memory.status == "active":
                self.service.forget(memory.id)
            else:
                self.service.restore(memory.id)
        except IngleError as exc:
            self.notify(str(exc), severity="warning")
            return
        row = self.query_one("#memory-table", DataTable).cursor_row
        self.refresh_rows()
        self.query_one("#memory-table", DataTable).move_cursor(row=row)

    def action_search(self) -> None:
        self.query_one("#memory-search", Input).focus()

    def action_pin(self) -> None:
        self._do("pin")

    def action_archive(self) -> None:
        self._do("archive")

    def action_edit(self) -> None:
        memory = self.selected()
        if memory is None:
            self.notify("no memory selected", severity="warning")
            return
        self.editing = memory.id
        field = self.query_one("#memory-edit", Input)
        field.value = memory.text
        field.focus()

    def action_history(self) -> None:
        memory = self.selected()
        if memory is None or self.service is None:
            return
        lines = []
        for entry in self.service.history(memory_id=memory.id):
            change = ", ".join(f"{k}: {entry.old.get(k)!r} -> {v!r}" if k in entry.old else
                               f"{k}: {v!r}" for k, v in entry.new.items())
            lines.append(f"{entry.op} by {entry.actor}: {change}")
        self.query_one("#memory-history-text", Static).update(
            f"history of #{memory.id}:\n" + "\n".join(lines))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "memory-search":
            self.refresh_rows()
            self.query_one("#memory-table", DataTable).focus()
        elif event.input.id == "memory-edit" and self.editing is not None and self.service:
            try:
                result = self.service.edit(self.editing, event.value)
            except IngleError as exc:
                self.notify(str(exc), severity="warning")
                return
            self.editing = None
            event.input.value = ""
            self.refresh_rows()
            self.notify(f"#{result.memory.id} replaces the old text (kept in history)")
            self.query_one("#memory-table", DataTable).focus()
