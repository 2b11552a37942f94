"""The Expenses pane: the ledger with filters, one-key re-categorising with the reason shown,
a rules editor, and monthly totals per category as a bar chart."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from ingle.tui.error_text import describe_error
from ingle.tui.panes.base import Pane, PaletteEntry
from ingle.tui.panes.expenses.dialogs import CategoryPicker, TextPrompt

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ingle.core.expenses.models import CategoryTotal, Expense
    from ingle.core.expenses.service import ExpensesService
    from ingle.core.workbench import Workbench
    from ingle.memory.expenses import RuleRow

BAR_WIDTH = 40


class ExpensesPane(Pane):
    PANE = "expenses"
    DEFAULT_CSS = """
    ExpensesPane #tabs { height: 1fr; }
    ExpensesPane #detail { height: 3; padding: 0 1; color: $text-muted; }
    ExpensesPane DataTable { height: 1fr; }
    ExpensesPane #chart { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "recategorise", "Category", id="expenses.category"),
        Binding("n", "add", "Add", id="expenses.add"),
        Binding("i", "import_file", "Import", id="expenses.import"),
        Binding("p", "toggle_pending", "Pending only", id="expenses.pending"),
        Binding("[", "month(-1)", "Month -", id="expenses.prev"),
        Binding("]", "month(1)", "Month +", id="expenses.next"),
        Binding("a", "all_months", "All", id="expenses.all"),
        Binding("r", "new_rule", "New rule", id="expenses.rule"),
        Binding("delete", "delete_rule", "Delete rule", id="expenses.delete_rule"),
        Binding("t", "next_tab", "Next tab", id="expenses.tab"),
    ]
    # Keys that act on one tab's content; the footer shows them only on that tab.
    TAB_ACTIONS: ClassVar[dict[str, str]] = {
        "recategorise": "ledger", "toggle_pending": "ledger", "delete_rule": "rules-tab",
    }

    def __init__(self) -> None:
        super().__init__()
        self.service: ExpensesService | None = None
        self.expenses: list[Expense] = []
        self.rules: list[RuleRow] = []
        self.months: list[str] = []
        self.month: str | None = None  # None: every month
        self.pending_only = False

    def compose_pane(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            with TabPane("Expenses", id="ledger"):
                with Vertical():
                    yield DataTable(id="expenses", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="detail")
            with TabPane("Rules", id="rules-tab"):
                yield DataTable(id="rules", cursor_type="row")
            with TabPane("Totals", id="totals"):
                yield Static("", id="chart")

    def on_mount(self) -> None:
        table = self.query_one("#expenses", DataTable)
        table.add_columns("#", "date", "amount", "category", "text", "")
        self.query_one("#rules", DataTable).add_columns("#", "rule", "category", "origin")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tab = self.TAB_ACTIONS.get(action)
        if tab is None:
            return True
        try:
            return self.query_one("#tabs", TabbedContent).active == tab
        except Exception:  # noqa: BLE001 - not composed yet
            return False

    def on_tabbed_content_tab_activated(self, _event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    def workbench_ready(self, workbench: Workbench) -> None:
        from ingle.core.expenses.service import ExpensesService

        self.service = ExpensesService(workbench)
        self.reload()

    def status_fields(self) -> list[str]:
        waiting = sum(1 for e in self.expenses if e.status != "confirmed")
        shown = self.month or "all months"
        return [shown, f"{len(self.expenses)} shown", f"{waiting} waiting for you"]

    def palette_entries(self) -> Iterable[PaletteEntry]:
        yield PaletteEntry("Expenses: add", "record an expense from text", self.action_add)
        yield PaletteEntry("Expenses: import a file", "a bank CSV or OFX file", self.action_import_file)
        yield PaletteEntry("Expenses: new rule", "pattern -> category", self.action_new_rule)

    # -- loading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="expenses-load", exit_on_error=False)
    def reload(self) -> None:
        service = self.service
        if service is None:
            return
        everything = service.list()
        months = sorted({e.date[:7] for e in everything})
        shown = [e for e in everything
                 if (self.month is None or e.date.startswith(self.month))
                 and (not self.pending_only or e.status != "confirmed")]
        totals = service.report(self.month)
        self.app.call_from_thread(self._show, shown, months, service.rules(), totals)

    def _show(self, shown: list[Expense], months: list[str], rules: list[RuleRow],
              totals: list[CategoryTotal]) -> None:
        self.expenses, self.months, self.rules = shown, months, rules
        table = self.query_one("#expenses", DataTable)
        keep = table.cursor_row
        table.clear()
        for e in shown:
            sign = "-" if e.direction == "out" else "+"
            flag = "" if e.status == "confirmed" else "waiting"
            table.add_row(str(e.id), e.date, f"{sign}{e.amount} {e.currency}", e.category or "?",
                          e.text, flag, key=str(e.id))
        if shown:
            table.move_cursor(row=min(keep, len(shown) - 1))
        rules_table = self.query_one("#rules", DataTable)
        rules_table.clear()
        from ingle.core.expenses.rules import describe

        for rule in rules:
            rules_table.add_row(str(rule.id), describe(rule).split(": ", 1)[-1].rsplit(" -> ", 1)[0],
                                rule.category, rule.origin, key=str(rule.id))
        self.query_one("#chart", Static).update(bar_chart(totals, self.month))
        self._show_detail()
        self.refresh_status()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "expenses":
            self._show_detail()

    def _selected(self) -> Expense | None:
        table = self.query_one("#expenses", DataTable)
        if not self.expenses or table.cursor_row >= len(self.expenses):
            return None
        return self.expenses[table.cursor_row]

    def _show_detail(self) -> None:
        e = self._selected()
        detail = self.query_one("#detail", Static)
        if e is None:
            detail.update("no expenses here yet: n adds one from text, i imports a bank file")
            return
        state = "confirmed" if e.status == "confirmed" else "waiting for you (c sets the category)"
        sink = f" · sink: {e.sink}" if e.sink else ""
        detail.update(f"#{e.id} {e.merchant} · {state} · {e.path} {e.confidence:.2f}{sink}\n"
                      f"why: {e.reason}")

    # -- actions ------------------------------------------------------------------------

    def action_recategorise(self) -> None:
        e = self._selected()
        if e is None or self.service is None:
            return
        picker = CategoryPicker(f"#{e.id} {e.text}", self.service.categories(), e.category)
        self.app.push_screen(picker, lambda chosen: self._fix(e.id, chosen) if chosen else None)

    @work(exclusive=True, group="expenses-change", exit_on_error=False)
    async def _fix(self, expense_id: int, category: str) -> None:
        assert self.service is not None
        try:
            result = await self.service.fix(expense_id, category)
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.notify(describe_error(exc), severity="error")
            return
        note = f"#{expense_id} is {result.expense.category}"
        if result.created_category:
            note += " (a new category)"
        if result.learned_rule is not None:
            note += f"; learned: '{result.learned_rule.pattern}' -> {result.learned_rule.category}"
        self.notify(note)
        self.reload()

    def action_add(self) -> None:
        prompt = TextPrompt("Add an expense", "uber 23.50 to airport", "amount, words, a date if not today")
        self.app.push_screen(prompt, lambda text: self._add(text) if text else None)

    @work(exclusive=True, group="expenses-change", exit_on_error=False)
    async def _add(self, text: str) -> None:
        assert self.service is not None
        self.notify("classifying…", timeout=2)
        try:
            expense = await self.service.add(text)
        except Exception as exc:  # noqa: BLE001
            self.notify(describe_error(exc), severity="error")
            return
        self.notify(f"#{expense.id} {expense.category or '?'} ({expense.status})")
        self.reload()

    def action_import_file(self) -> None:
        prompt = TextPrompt("Import a bank file", "~/Downloads/statement.csv", "CSV or OFX; columns from the header")
        self.app.push_screen(prompt, lambda path: self._import(path) if path else None)

    @work(exclusive=True, group="expenses-change", exit_on_error=False)
    async def _import(self, path: str) -> None:
        from pathlib import Path

        assert self.service is not None
        self.notify(f"importing {path}…", timeout=3)
        try:
            report = await self.service.import_file(Path(path).expanduser())
        except Exception as exc:  # noqa: BLE001
            self.notify(describe_error(exc), severity="error")
            return
        bad = "; ".join(f"line {b.line}: {b.reason}" for b in report.bad_rows[:3])
        self.notify(f"{len(report.added)} added, {report.duplicates} already there, "
                    f"{len(report.bad_rows)} bad rows" + (f" ({bad})" if bad else ""))
        self.reload()

    def action_toggle_pending(self) -> None:
        self.pending_only = not self.pending_only
        self.reload()

    def action_month(self, step: int) -> None:
        if not self.months:
            return
        if self.month is None:
            index = len(self.months) - 1 if step < 0 else 0
        else:
            index = max(0, min(len(self.months) - 1, self.months.index(self.month) + step)) \
                if self.month in self.months else 0
        self.month = self.months[index]
        self.reload()

    def action_all_months(self) -> None:
        self.month = None
        self.reload()

    def action_new_rule(self) -> None:
        prompt = TextPrompt("New rule", "contains uber -> transport",
                            "is / contains / regex, on the merchant (or 'text ...'); 'amount 0..50' before ->")
        self.app.push_screen(prompt, lambda text: self._add_rule(text) if text else None)

    def _add_rule(self, text: str) -> None:
        from ingle.core.expenses.rules import parse_rule

        assert self.service is not None
        try:
            rule = self.service.add_rule(parse_rule(text))
        except Exception as exc:  # noqa: BLE001
            self.notify(describe_error(exc), severity="error")
            return
        self.notify(f"rule #{rule.id}: {rule.pattern} -> {rule.category}")
        self.reload()

    def action_delete_rule(self) -> None:
        table = self.query_one("#rules", DataTable)
        if not self.rules or self.service is None:
            return
        rule = self.rules[min(table.cursor_row, len(self.rules) - 1)]
        assert rule.id is not None
        self.service.delete_rule(rule.id)
        self.notify(f"removed rule #{rule.id}")
        self.reload()

    def action_next_tab(self) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        order = ["ledger", "rules-tab", "totals"]
        tabs.active = order[(order.index(tabs.active) + 1) % len(order)]


def bar_chart(totals: list[CategoryTotal], month: str | None) -> str:
    """Money out per category and month as horizontal bars, largest first."""
    spent: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for t in totals:
        if t.direction == "out":
            spent[t.month][(t.category, t.currency)] = Decimal(t.total)
    if not spent:
        return f"no money out {'in ' + month if month else 'yet'}"
    lines = []
    for shown_month in sorted(spent, reverse=True):
        rows = sorted(spent[shown_month].items(), key=lambda kv: -kv[1])
        top = max(v for _, v in rows) or Decimal(1)
        lines.append(f"[b]{shown_month}[/b]  total " + ", ".join(
            f"{sum(v for (_, c), v in rows if c == cur):,.2f} {cur}" for cur in sorted({c for (_, c), _ in rows})))
        for (category, currency), value in rows:
            width = max(1, int(BAR_WIDTH * value / top))
            lines.append(f"  {category:<18} {'█' * width:<{BAR_WIDTH}} {value:>12,.2f} {currency}")
        lines.append("")
    return "\n".join(lines)
