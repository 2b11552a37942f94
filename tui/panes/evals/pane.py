"""The Evals pane: a run as cases x subjects, live while it runs.

Each cell shows pass/fail, repeats collapsed (3/5), the mean score and the median time;
the last row sums each column (pass rate, p50 latency, tokens, cost). Filters: failures,
differences between columns, starred cases. Enter opens a cell's samples (output, thinking,
the request as sent, each check's reason, a diff against the next column); + and - are
human thumbs on a sample, m a comment, and the status line reports how often the checks
agree with them. r starts a run, x stops it (or a refine), u resumes the shown run. s stars a
case (stored per suite, so stars survive a restart and the starred filter uses them), c
captures the selected cell's output as a case of the `captured` suite, and R refines the
selected column's persona with the run's suite, its progress live in the status line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from ingle.tui.error_text import describe_error
from ingle.tui.panes.base import Pane, PaletteEntry
from ingle.tui.panes.evals.dialogs import LinePrompt, SampleDetails
from ingle.tui.panes.evals.text import cell_text, details_text, parse_refine, parse_run, summary

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ingle.core.evals.events import EvalEvent
    from ingle.core.evals.models import CaseCell, RunInfo, RunReport
    from ingle.core.evals.service import EvalService
    from ingle.core.workbench import Workbench

FILTERS = ("all", "failures", "differences", "starred")


class EvalsPane(Pane):
    PANE = "evals"
    DEFAULT_CSS = """
    EvalsPane #run { height: 1; padding: 0 1; }
    EvalsPane DataTable { height: 1fr; }
    EvalsPane #cell { height: 3; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Details", id="evals.details"),
        Binding("r", "start", "Run suite", id="evals.run"),
        Binding("x", "stop", "Stop", id="evals.stop"),
        Binding("u", "resume", "Resume", id="evals.resume"),
        Binding("f", "cycle_filter", "Filter", id="evals.filter"),
        Binding("s", "star", "Star", id="evals.star"),
        Binding("c", "capture", "Capture", id="evals.capture"),
        Binding("R", "refine", "Refine", id="evals.refine"),
        Binding("plus", "thumb(1)", "+1", id="evals.up"),
        Binding("minus", "thumb(-1)", "-1", id="evals.down"),
        Binding("m", "comment", "Comment", id="evals.comment"),
        Binding("left_square_bracket", "other_run(1)", "Older run", id="evals.older"),
        Binding("right_square_bracket", "other_run(-1)", "Newer run", id="evals.newer"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.service: EvalService | None = None
        self.runs: list[RunInfo] = []
        self.index = 0
        self.report: RunReport | None = None
        self.filter = "all"
        self.starred: set[str] = set()
        self.progress = ""
        self.progress_log: list[str] = []  # what the latest long work said, line by line
        self.agreement = (0, 0)
        self.rows: list[str] = []  # case ids, in the grid's order
        self.subjects: list[str] = []
        self.wanted_run: str | None = None  # a run to show once loaded (the Jobs pane's link)

    def compose_pane(self) -> ComposeResult:
        yield Static("no eval runs yet: press r to run a suite", id="run", markup=False)
        yield DataTable(id="grid", cursor_type="cell", zebra_stripes=True)
        yield Static("", id="cell", markup=False)

    def workbench_ready(self, workbench: Workbench) -> None:
        from ingle.core.evals.service import EvalService

        self.service = EvalService(workbench)
        self.reload()

    def status_fields(self) -> list[str]:
        fields = [f"filter: {self.filter}"]
        if self.progress:
            fields.append(self.progress)
        agree, labelled = self.agreement
        if labelled:
            fields.append(f"checks agree with you {agree}/{labelled}")
        return fields

    def palette_entries(self) -> Iterable[PaletteEntry]:
        yield PaletteEntry("Evals: run a suite", "ask every persona x model", self.action_start)
        yield PaletteEntry("Evals: resume the shown run", "finish an interrupted run",
                           self.action_resume)
        yield PaletteEntry("Evals: next filter", "failures, differences, starred",
                           self.action_cycle_filter)
        yield PaletteEntry("Evals: refine the selected persona", "propose, score on the "
                           "holdout, keep a proven gain", self.action_refine)
        yield PaletteEntry("Evals: capture the selected output", "as a case of the captured "
                           "suite", self.action_capture)

    def show_item(self, run_id: str) -> None:
        """Show this run (a finished eval job's result, opened from the Jobs pane)."""
        self.wanted_run = run_id
        self.reload()

    # -- loading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="evals-load", exit_on_error=False)
    def reload(self) -> None:
        service = self.service
        if service is None:
            return
        from ingle.core.evals.curation import base_suite, stars

        runs = service.runs()
        wanted = self.wanted_run
        if wanted is not None and any(run.id == wanted for run in runs):
            self.index = next(i for i, run in enumerate(runs) if run.id == wanted)
            self.wanted_run = None
        index = min(self.index, max(len(runs) - 1, 0))
        report = service.report(runs[index].id) if runs else None
        agreement = service.agreement(runs[index].id) if runs else (0, 0)
        starred = stars(service, base_suite(report.run.suite)) if report is not None else set()
        self.app.call_from_thread(self._show, runs, index, report, agreement, starred)

    def _show(self, runs: list[RunInfo], index: int, report: RunReport | None,
              agreement: tuple[int, int], starred: set[str]) -> None:
        self.runs, self.index, self.report, self.agreement = runs, index, report, agreement
        self.starred = starred
        table = self.query_one("#grid", DataTable)
        keep = table.cursor_coordinate
        table.clear(columns=True)
        if report is None:
            self.refresh_status()
            return
        run = report.run
        self.query_one("#run", Static).update(
            f"run {run.id} ({index + 1}/{len(runs)})  suite {run.suite}  {run.status}  "
            f"{run.stored}/{run.planned} samples")
        self.subjects = [s.subject for s in report.subjects]
        cells = {(c.case_id, c.subject): c for c in report.cells}
        cases = list(dict.fromkeys(c.case_id for c in report.cells))
        self.rows = [c for c in cases if self._keep(c, cells)]
        table.add_column("case", key="case")
        for subject in self.subjects:
            table.add_column(subject, key=subject)
        for case in self.rows:
            star = "* " if case in self.starred else ""
            table.add_row(star + case, *(cell_text(cells.get((case, s))) for s in self.subjects),
                          key=case)
        table.add_row("summary", *(summary(m.metrics) for m in report.subjects), key="summary")
        if self.rows:
            table.move_cursor(row=min(keep.row, len(self.rows) - 1), column=max(keep.column, 1))
        self.refresh_status()

    def _keep(self, case: str, cells: dict[tuple[str, str], CaseCell]) -> bool:
        row = [cells.get((case, s)) for s in self.subjects]
        if self.filter == "failures":
            return any(c is not None and c.passed < c.total for c in row)
        if self.filter == "differences":
            return len({(c.passed, c.total) if c else None for c in row}) > 1
        if self.filter == "starred":
            return case in self.starred
        return True

    def _selected(self) -> tuple[str, str] | None:
        table = self.query_one("#grid", DataTable)
        row, column = table.cursor_coordinate
        if not self.rows or row >= len(self.rows) or column < 1:
            return None
        return self.rows[row], self.subjects[column - 1]

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        selected = self._selected()
        self.query_one("#cell", Static).update(
            f"{selected[0]} x {selected[1]}: Enter for the outputs, + / - to label, c to "
            "capture it as a case, R to refine this persona"
            if selected else "")

    # -- actions ------------------------------------------------------------------------

    def action_cycle_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.reload()

    def action_star(self) -> None:
        from ingle.core.evals.curation import base_suite

        selected = self._selected()
        if selected is not None and self.report is not None:
            self._star(base_suite(self.report.run.suite), selected[0])

    @work(thread=True, group="evals-label", exit_on_error=False)
    def _star(self, suite: str, case: str) -> None:
        from ingle.core.evals.curation import toggle_star

        if self.service is None:
            return
        now = toggle_star(self.service, suite, case)
        self.app.call_from_thread(self.notify, f"{'starred' if now else 'unstarred'} {case}")
        self.reload()

    def action_capture(self) -> None:
        selected = self._selected()
        if selected is not None and self.report is not None:
            self._capture(self.report.run.id, *selected)

    @work(thread=True, group="evals-label", exit_on_error=False)
    def _capture(self, run_id: str, case: str, subject: str) -> None:
        from ingle.core.evals.curation import capture_sample
        from ingle.core.errors import IngleError

        if self.service is None:
            return
        samples = self.service.cell(run_id, case, subject)
        if not samples or samples[0].sample.id is None:
            self.app.call_from_thread(self.notify, "no sample in this cell", severity="warning")
            return
        try:
            added, path = capture_sample(self.service, samples[0].sample.id)
        except IngleError as exc:
            self.app.call_from_thread(self.notify, describe_error(exc), severity="error")
            return
        self.app.call_from_thread(self.notify, f"captured {added.id} ({added.tags[1]}) in {path}")

    def action_refine(self) -> None:
        from ingle.core.evals.curation import base_suite

        selected = self._selected()
        if selected is None or self.report is None:
            self.notify("select a cell: its column's persona is refined", severity="warning")
            return
        persona = selected[1].split(" x ", 1)[0].split("@", 1)[0]
        suite = base_suite(self.report.run.suite)

        def start(line: str | None) -> None:
            if line is not None:
                self._refine(persona, suite, line)

        self.app.push_screen(LinePrompt(
            f"Refine {persona} with suite {suite}? Enter starts; options: [--rounds N] "
            "[--candidates N] [--budget USD] [--proposer P] [--no-few-shot]", allow_empty=True), start)

    @work(exclusive=True, group="evals-run", exit_on_error=False)
    async def _refine(self, persona: str, suite_name: str, line: str) -> None:
        from ingle.core.evals.refine import refine

        service = self.service
        if service is None:
            return
        try:
            options = parse_refine(line)
            suite = service.load_suite(suite_name)
            service.subjects(suite, [persona])  # an unknown persona fails before any call
            self.progress = f"refine {persona}: starting"
            self.refresh_status()
            outcome = await refine(service, persona, suite, on_event=self._progress, **options)
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.progress = ""
            self.notify(describe_error(exc), severity="error", timeout=10)
            self.reload()
            return
        if outcome.accepted:
            self.progress = (f"refine: saved {persona}@{outcome.saved_version} "
                             f"({outcome.baseline:.3f} -> {outcome.best:.3f})")
        else:
            self.progress = f"refine: kept {persona}: {outcome.stopped}"
        self._note(self.progress)
        self.notify(self.progress, timeout=10)
        self.reload()

    def action_other_run(self, step: int) -> None:
        self.index = max(0, min(self.index + step, len(self.runs) - 1))
        self.reload()

    def action_details(self) -> None:
        selected = self._selected()
        if selected is not None and self.service is not None and self.report is not None:
            self._details(self.report.run.id, *selected)

    @work(thread=True, group="evals-details", exit_on_error=False)
    def _details(self, run_id: str, case: str, subject: str) -> None:
        assert self.service is not None
        mine = self.service.cell(run_id, case, subject)
        others = [s for s in self.subjects if s != subject]
        theirs = self.service.cell(run_id, case, others[0]) if others else []
        text = details_text(mine, theirs, others[0] if others else "")
        self.app.call_from_thread(self.app.push_screen,
                                  SampleDetails(f"{case} x {subject}", text))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()  # Enter on a cell: the DataTable's own key, so it arrives here
        self.action_details()

    def action_thumb(self, thumbs: int) -> None:
        selected = self._selected()
        if selected is not None and self.report is not None:
            self._label(self.report.run.id, *selected, thumbs, None)

    def action_comment(self) -> None:
        selected = self._selected()
        if selected is None or self.report is None:
            return
        run_id = self.report.run.id

        def done(text: str | None) -> None:
            if text is not None:
                self._label(run_id, *selected, 0, text)

        self.app.push_screen(LinePrompt("A comment on this cell's first sample:"), done)

    @work(thread=True, group="evals-label", exit_on_error=False)
    def _label(self, run_id: str, case: str, subject: str, thumbs: int,
               comment: str | None) -> None:
        if self.service is None:
            return
        samples = self.service.cell(run_id, case, subject)
        if not samples or samples[0].sample.id is None:
            return
        first = samples[0]
        keep = thumbs or (first.label.thumbs if first.label else 0)
        self.service.label(first.sample.id, keep, comment)
        self.app.call_from_thread(self.notify, "labelled " + ("+1" if keep > 0 else
                                                             "-1" if keep < 0 else "(comment)"))
        self.reload()

    def action_start(self) -> None:
        def start(line: str | None) -> None:
            if line:
                self._run(line, None)

        self.app.push_screen(LinePrompt(
            "Run which suite? SUITE [--personas P1,P2] [--models M1,M2] [--samples N] "
            "[--limit N]", "smoke"), start)

    def action_resume(self) -> None:
        if self.report is not None:
            self._run("", self.report.run.id)

    def action_stop(self) -> None:
        stopped = self.workers.cancel_group(self, "evals-run")
        if stopped:
            self.notify("stopping the run; u resumes it")

    @work(exclusive=True, group="evals-run", exit_on_error=False)
    async def _run(self, line: str, resume: str | None) -> None:
        service = self.service
        if service is None:
            return
        try:
            if resume:
                await service.resume(resume, on_event=self._progress)
            else:
                suite, options = parse_run(line)
                loaded = service.load_suite(suite)
                subjects = service.subjects(loaded, options.get("personas"),
                                            options.get("models"))
                samples, limit = options.get("samples"), options.get("limit")
                await service.run(loaded, subjects, on_event=self._progress,
                                  samples=int(samples[0]) if samples else None,
                                  limit=int(limit[0]) if limit else None)
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.notify(describe_error(exc), severity="error", timeout=10)
        self.reload()

    def _progress(self, event: EvalEvent) -> None:
        from ingle.core.evals.events import RunFinished, RunStarted, SampleDone
        from ingle.core.evals.refine import RefineProgress

        if isinstance(event, RefineProgress):
            self.progress = f"refine: {event.message}"
            self._note(self.progress)
        elif isinstance(event, RunStarted):
            self.index = 0
            self.progress = f"running 0/{event.planned}"
            self.reload()
        elif isinstance(event, SampleDone):
            self.progress = f"running {event.done}/{event.planned}"
            self.reload()
        elif isinstance(event, RunFinished):
            self.progress = f"{event.status} {event.done}/{event.planned}"
            self._note(f"run {event.run_id}: {self.progress}")
            self.reload()  # also when stopped: the worker is cancelled right after this
        self.refresh_status()

    def _note(self, line: str) -> None:
        """A line of long work (a refine): kept in `progress_log`, the latest shown below."""
        self.progress_log = [*self.progress_log[-199:], line]
        self.query_one("#cell", Static).update(line)
