"""The Personas pane: every persona with its version and models; a form for every field
with live validation; the request exactly as it is sent; a test panel; version history with
diffs and restore; the creator's conversation; export and register with progress."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from ingle.tui.error_text import describe_error
from ingle.tui.panes.base import Pane, PaletteEntry
from ingle.tui.panes.personas.form import PersonaForm
from ingle.tui.panes.personas.memory_section import MemorySection

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ingle.core.lab.creator import CreatorSession, Proposal
    from ingle.core.lab.models import PersonaSummary
    from ingle.core.lab.service import LabService
    from ingle.core.memories.service import MemoryService
    from ingle.core.workbench import Workbench
    from ingle.memory.persona_versions import PersonaVersion
    from ingle.personas.model import Persona

EXPORT_FORMATS = ("modelfile", "ollama-json", "claude-agent")
PLACEHOLDER = "(your text)"


class PersonasPane(Pane):
    PANE = "personas"
    DEFAULT_CSS = """
    PersonasPane #personas { width: 44; height: 1fr; }
    PersonasPane #detail { width: 1fr; }
    PersonasPane .panel { padding: 0 1; }
    PersonasPane #versions { height: 10; }
    PersonasPane #test-thinking { color: $text-muted; }
    PersonasPane #test-stats, PersonasPane #export-progress { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "tab('form')", "Form", id="personas.form"),
        Binding("p", "tab('prompt')", "Prompt", id="personas.prompt"),
        Binding("t", "tab('test')", "Test", id="personas.test"),
        Binding("h", "tab('history')", "History", id="personas.history"),
        Binding("c", "tab('creator')", "Creator", id="personas.creator"),
        Binding("x", "export", "Export", id="personas.export"),
        Binding("m", "tab('memory')", "Memory", id="personas.memory"),
        Binding("ctrl+s", "save", "Save", id="personas.save", priority=True),
        Binding("ctrl+r", "run_test", "Run test", id="personas.run", priority=True),
        Binding("ctrl+n", "new", "New", id="personas.new", priority=True),
        Binding("ctrl+l", "restore", "Restore", id="personas.restore", priority=True),
        Binding("ctrl+g", "register", "Register", id="personas.register", priority=True),
        Binding("escape", "focus_list", "List", id="personas.list"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.service: LabService | None = None
        self.rows: list[PersonaSummary] = []
        self.selected: str | None = None  # the persona's label (name@N)
        self.history: list[PersonaVersion] = []
        self.creator: CreatorSession | None = None
        self.export_format = 0
        self.memories: MemoryService | None = None

    def compose_pane(self) -> ComposeResult:
        with Horizontal():
            yield DataTable(id="personas", cursor_type="row", zebra_stripes=True)
            with TabbedContent(id="detail", initial="form"):
                with TabPane("Form", id="form"):
                    yield PersonaForm(id="persona-form")
                with TabPane("Prompt", id="prompt"):
                    with VerticalScroll(classes="panel"):
                        yield Static("", id="prompt-sent", markup=False)
                with TabPane("Test", id="test"):
                    with Vertical(classes="panel"):
                        yield Input(placeholder="a prompt to run against the selected version "
                                    "(Enter or Ctrl+R)", id="test-input")
                        yield Static("", id="test-stats", markup=False)
                        with VerticalScroll():
                            yield Static("", id="test-thinking", markup=False)
                            yield Static("", id="test-output", markup=False)
                with TabPane("History", id="history"):
                    with Vertical(classes="panel"):
                        yield DataTable(id="versions", cursor_type="row")
                        with VerticalScroll():
                            yield Static("", id="version-diff", markup=False)
                with TabPane("Creator", id="creator"):
                    with Vertical(classes="panel"):
                        with VerticalScroll():
                            yield Static("Ctrl+N starts the creator: it asks about the persona "
                                         "and proposes it after every answer.", id="creator-log",
                                         markup=False)
                        yield Input(placeholder="your answer (Enter)", id="creator-input")
                with TabPane("Memory", id="memory"):
                    yield MemorySection(id="memory-section")
                with TabPane("Export", id="export"):
                    with VerticalScroll(classes="panel"):
                        yield Static("", id="export-progress", markup=False)
                        yield Static("", id="export-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#personas", DataTable).add_columns("persona", "version", "models", "source")
        self.query_one("#versions", DataTable).add_columns("version", "hash", "author", "changelog")

    def workbench_ready(self, workbench: Workbench) -> None:
        from ingle.core.lab.service import LabService

        from ingle.core.memories.service import MemoryService

        self.service = LabService(workbench)
        self.memories = MemoryService(workbench)
        self.reload()

    def status_fields(self) -> list[str]:
        fields = [f"{len(self.rows)} personas"]
        if self.selected:
            fields.append(self.selected)
        return fields

    def palette_entries(self) -> Iterable[PaletteEntry]:
        yield PaletteEntry("Personas: new with the creator", "answer a few questions",
                           self.action_new)
        yield PaletteEntry("Personas: save the form", "a new version", self.action_save)
        yield PaletteEntry("Personas: register in Ollama", "create and read back",
                           self.action_register)

    # -- the list -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="personas-load", exit_on_error=False)
    def reload(self, select: str | None = None) -> None:
        if self.service is None:
            return
        rows = self.service.summaries()
        self.app.call_from_thread(self._show_rows, rows, select)

    def _show_rows(self, rows: list[PersonaSummary], select: str | None) -> None:
        self.rows = rows
        table = self.query_one("#personas", DataTable)
        keep = table.cursor_row
        table.clear()
        for row in rows:
            version = f"v{row.version} ({row.versions})" if row.version else "-"
            source = "built-in" if row.source == "builtin" else "user"
            table.add_row(row.name, version, ", ".join(row.models), source, key=row.name)
        if rows:
            names = [r.name for r in rows]
            table.move_cursor(row=names.index(select) if select in names else
                              min(keep, len(rows) - 1))
        self.refresh_status()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "personas" and self.rows:
            row = self.rows[event.cursor_row]
            self._select(f"{row.name}@{row.version}" if row.version else row.name)
        elif event.data_table.id == "versions" and self.history:
            self._show_diff(event.cursor_row)

    def _select(self, label: str) -> None:
        assert self.service is not None
        try:
            resolved = self.service.resolve(label)
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.notify(describe_error(exc), severity="error")
            return
        self.selected = label
        self.query_one(PersonaForm).load(resolved.persona)
        self._show_prompt(resolved.persona)
        self.load_history(resolved.name)
        if self.memories is not None:
            self.query_one(MemorySection).show(self.memories, resolved.name)
        self._render_export()
        self.refresh_status()

    # -- form and prompt -----------------------------------------------------------------

    def on_persona_form_changed(self, event: PersonaForm.Changed) -> None:
        if event.persona is not None:
            self._show_prompt(event.persona)
        if self.creator is not None and self.creator.current is not None:
            field = self.query_one(PersonaForm).field_of(
                self.focused.id if self.focused is not None else None)
            if field and event.persona is not None and "." not in field:
                self.creator.edits[field] = getattr(event.persona, field)
                self.creator.current = event.persona  # a direct edit: kept from now on

    def _show_prompt(self, persona: Persona) -> None:
        """The request body as the backend sends it, for a placeholder user text."""
        assert self.service is not None
        wb = self.service.workbench
        try:
            resolved = self.service.resolve(persona.name).model_copy(update={"persona": persona})
            endpoint, request = wb.caller.request_for(resolved, PLACEHOLDER)
            backend = wb.pool.backend(endpoint)
            wire = getattr(backend, "wire_body", None)
            body = wire(request) if wire else request.model_dump(mode="json")
            text = f"POST to endpoint '{endpoint}':\n" + json.dumps(body, indent=2,
                                                                      ensure_ascii=False)
        except Exception as exc:  # noqa: BLE001 - a new persona not saved yet, a bad endpoint
            text = describe_error(exc)
        self.query_one("#prompt-sent", Static).update(text)

    def action_save(self) -> None:
        form = self.query_one(PersonaForm)
        persona, errors = form.validate_now()
        if persona is None:
            self.notify(f"not saved: {next(iter(errors.items()))}", severity="error")
            return
        author = "creator" if self.creator is not None else "user"
        self._save(persona, author)

    @work(thread=True, exclusive=True, group="personas-save", exit_on_error=False)
    def _save(self, persona: Persona, author: str) -> None:
        assert self.service is not None
        try:
            version = self.service.save(persona, "edited in the Personas pane", author)
        except Exception as exc:  # noqa: BLE001
            self.app.call_from_thread(self.notify, describe_error(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, f"saved {version.label} ({version.short_hash})")
        self.creator = None
        self.reload(select=persona.name)

    # -- test panel -----------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "test-input":
            self.action_run_test()
        elif event.input.id == "creator-input" and event.value.strip():
            self._answer(event.value.strip())
            event.input.value = ""

    def action_run_test(self) -> None:
        prompt = self.query_one("#test-input", Input).value.strip()
        if not prompt or self.selected is None:
            self.notify("type a prompt in the Test tab first", severity="warning")
            return
        self.query_one("#detail", TabbedContent).active = "test"
        self.query_one("#test-stats", Static).update(f"running {self.selected}…")
        self._run_test(self.selected, prompt)

    @work(exclusive=True, group="personas-test", exit_on_error=False)
    async def _run_test(self, label: str, prompt: str) -> None:
        assert self.service is not None
        try:
            answer = await self.service.run_prompt(label, prompt)
        except Exception as exc:  # noqa: BLE001
            self.query_one("#test-stats", Static).update(describe_error(exc))
            return
        self.query_one("#test-stats", Static).update(
            f"{answer.contestant} · {answer.output_tokens} tokens · {answer.seconds:.1f} s")
        self.query_one("#test-thinking", Static).update(
            f"thinking: {answer.thinking}" if answer.thinking else "")
        self.query_one("#test-output", Static).update(answer.text)

    # -- history ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="personas-history", exit_on_error=False)
    def load_history(self, name: str) -> None:
        assert self.service is not None
        versions = self.service.versions(name)
        self.app.call_from_thread(self._show_history, versions)

    def _show_history(self, versions: list[PersonaVersion]) -> None:
        self.history = list(reversed(versions))  # newest first
        table = self.query_one("#versions", DataTable)
        table.clear()
        for v in self.history:
            table.add_row(f"v{v.number}", v.short_hash, v.author, v.changelog, key=str(v.number))
        self._show_diff(0)

    def _show_diff(self, index: int) -> None:
        diff = self.query_one("#version-diff", Static)
        if not self.history or index >= len(self.history):
            diff.update("")
            return
        version = self.history[index]
        if index + 1 >= len(self.history):
            diff.update(f"v{version.number}: the first version")
            return
        assert self.service is not None
        before = self.history[index + 1]
        text = self.service.diff(version.name, str(before.number), str(version.number))
        diff.update(text or "the same content as the version before")

    def action_restore(self) -> None:
        table = self.query_one("#versions", DataTable)
        if not self.history or self.service is None:
            return
        version = self.history[min(table.cursor_row, len(self.history) - 1)]
        try:
            restored = self.service.restore(version.name, str(version.number))
        except Exception as exc:  # noqa: BLE001
            self.notify(describe_error(exc), severity="error")
            return
        self.notify(f"restored v{version.number} as {restored.label}")
        self.reload(select=version.name)

    # -- creator ---------------------------------------------------------------------------

    def action_new(self) -> None:
        if self.service is None:
            return
        self.creator = self.service.creator()
        self.query_one("#detail", TabbedContent).active = "creator"
        self._creator_log([f"creator: {self.creator.next_question()[1]}"], reset=True)
        self.query_one("#creator-input", Input).focus()

    def _creator_log(self, lines: list[str], *, reset: bool = False) -> None:
        log = self.query_one("#creator-log", Static)
        previous = "" if reset else str(log.content)
        log.update("\n".join(filter(None, [previous, *lines])))

    @work(exclusive=True, group="personas-creator", exit_on_error=False)
    async def _answer(self, text: str) -> None:
        session = self.creator
        if session is None:
            self.notify("Ctrl+N starts the creator", severity="warning")
            return
        key, _ = session.next_question() or ("more", "")
        self._creator_log([f"you: {text}", "creator is proposing…"])
        try:
            proposal = await session.answer(key, text)
        except Exception as exc:  # noqa: BLE001
            self._creator_log([f"error: {describe_error(exc)}"])
            return
        self._show_proposal(proposal)

    def _show_proposal(self, proposal: Proposal) -> None:
        assert self.creator is not None
        changes = [f"  {c.field}: {_short(c.old)} -> {_short(c.new)}" for c in proposal.changes]
        question = self.creator.next_question()
        self._creator_log([f"proposal {len(self.creator.proposals)} "
                           f"({len(changes)} field(s) changed):", *changes, *proposal.notes,
                           f"creator: {question[1]}" if question else
                           "creator: that is all I need; edit the form or Ctrl+S to save"])
        self.query_one(PersonaForm).load(proposal.persona)
        self._show_prompt(proposal.persona)

    # -- export and register ----------------------------------------------------------------

    def action_export(self) -> None:
        tabs = self.query_one("#detail", TabbedContent)
        if tabs.active == "export":  # pressed again: the next format
            self.export_format = (self.export_format + 1) % len(EXPORT_FORMATS)
        tabs.active = "export"
        self._render_export()

    def _render_export(self) -> None:
        if self.service is None or self.selected is None:
            return
        fmt = EXPORT_FORMATS[self.export_format]
        try:
            result = self.service.export(self.selected, fmt)  # type: ignore[arg-type]
            text = f"{fmt} → {result.suggested_path} (x: next format)\n\n{result.text}"
        except Exception as exc:  # noqa: BLE001
            text = describe_error(exc)
        self.query_one("#export-text", Static).update(text)

    def action_register(self) -> None:
        if self.selected is None:
            return
        self.query_one("#detail", TabbedContent).active = "export"
        self.query_one("#export-progress", Static).update(f"registering {self.selected}…")
        self._register(self.selected)

    @work(exclusive=True, group="personas-register", exit_on_error=False)
    async def _register(self, label: str) -> None:
        assert self.service is not None
        lines: list[str] = []
        progress = self.query_one("#export-progress", Static)

        def step(event: object) -> None:
            lines.append(event.line)  # type: ignore[attr-defined]
            progress.update("\n".join(lines))

        try:
            report = await self.service.register(label, on_progress=step)
        except Exception as exc:  # noqa: BLE001
            progress.update("\n".join([*lines, describe_error(exc)]))
            return
        if report.verified:
            lines.append(f"verified: {report.model} on '{report.endpoint}' reports the system "
                         "prompt and every parameter as sent")
        else:
            lines += [f"MISMATCH {m.field}: sent {m.sent!r}, server reports {m.read_back!r}"
                      for m in report.mismatches]
        progress.update("\n".join(lines))

    # -- navigation -------------------------------------------------------------------------

    def action_tab(self, name: str) -> None:
        self.query_one("#detail", TabbedContent).active = name

    def action_focus_list(self) -> None:
        self.query_one("#personas", DataTable).focus()


def _short(value: object, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"
