"""The exact requests sent to models and the replies they gave (from the store)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

if TYPE_CHECKING:
    from ingle.core.agent.engine import CallRecord


class CallLogScreen(Screen[None]):
    """`load` is called in a thread: the store is read off the UI loop."""

    CSS_PATH = "call_log.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="log.back"),
        Binding("r", "reload", "Reload", id="log.reload"),
    ]

    def __init__(self, load: Callable[[], list[CallRecord]]) -> None:
        super().__init__()
        self._load = load
        self.calls: list[CallRecord] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield DataTable(id="calls", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="call-detail"):
                yield Static(Content("No model calls yet."), id="call-text")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#calls", DataTable)
        table.add_columns("when", "model", "persona", "tokens", "outcome")
        self.action_reload()

    def action_reload(self) -> None:
        self._fetch()

    @work(thread=True, exclusive=True, group="call-log", exit_on_error=False)
    def _fetch(self) -> None:
        calls = self._load()
        self.app.call_from_thread(self._show, calls)

    def _show(self, calls: list[CallRecord]) -> None:
        self.calls = calls
        table = self.query_one("#calls", DataTable)
        table.clear()
        for call in calls:
            table.add_row(
                time.strftime("%H:%M:%S", time.localtime(call.started_at)),
                call.model,
                call.persona or "",
                f"{call.prompt_tokens}+{call.output_tokens}",
                call.outcome,
            )
        if calls:
            table.move_cursor(row=0)
            self._detail(calls[0])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.calls):
            self._detail(self.calls[event.cursor_row])

    def _detail(self, call: CallRecord) -> None:
        try:
            request = json.dumps(json.loads(call.request_json), indent=2, ensure_ascii=False)
        except ValueError:
            request = call.request_json
        head = (
            f"{call.backend} {call.endpoint} · {call.model} · {call.duration_s:.2f}s · "
            f"{call.prompt_tokens} prompt, {call.output_tokens} output "
            f"({call.thinking_tokens} thinking) · {call.tokens_per_s:.0f} tok/s · {call.outcome}"
        )
        parts = [Content.styled(head, "bold"), Content.styled("\nrequest", "$text-accent bold"), Content(request)]
        if call.thinking_text:
            parts += [Content.styled("\nthinking", "$text-accent bold"), Content.styled(call.thinking_text, "dim")]
        parts += [Content.styled("\nreply", "$text-accent bold"), Content(call.reply_text or "(empty)")]
        if call.error:
            parts += [Content.styled("\nerror", "$text-error bold"), Content(call.error)]
        self.query_one("#call-text", Static).update(Content("\n").join(parts))
