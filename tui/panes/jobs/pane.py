"""The Jobs pane: the idle-time queue and the idle gate, live.

The top lines say what the gate says now and why (each rule's verdict); the table lists
the jobs with their progress (done/total steps, failed ones), an ETA from the mean step
time, and the last error or the result. p pauses the selected job, u resumes it, x
cancels it; o or Enter opens a finished job's result (an eval run in the Evals pane). The app
hosts the runner (tui/shell/jobs_host.py): any key or mouse event pauses it at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from ingle.tui.error_text import describe_error
from ingle.tui.panes.base import Pane, PaletteEntry

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ingle.core.jobs.idle_state import IdleGate, IdleState
    from ingle.core.jobs.models import JobView
    from ingle.core.jobs.service import JobsService
    from ingle.core.workbench import Workbench

REFRESH_S = 1.0  # the gate's words count seconds; the table follows the runner's steps
COLUMNS = ("id", "kind", "job", "status", "steps", "ETA", "last error / result")


class JobsPane(Pane):
    PANE = "jobs"
    DEFAULT_CSS = """
    JobsPane #gate { height: 1; padding: 0 1; text-style: bold; }
    JobsPane #rules { height: auto; padding: 0 1 1 1; color: $text-muted; }
    JobsPane DataTable { height: 1fr; }
    JobsPane #detail { height: 3; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter on a row opens it too (the table's own key); o shows in the footer.
        Binding("o", "open_result", "Open result", id="jobs.open"),
        Binding("p", "pause", "Pause", id="jobs.pause"),
        Binding("u", "resume", "Resume", id="jobs.resume"),
        Binding("x", "cancel_job", "Cancel", id="jobs.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.service: JobsService | None = None
        self.gate: IdleGate | None = None
        self.jobs: list[JobView] = []
        self.state: IdleState | None = None
        self._loading = False
        self._load_again = False

    def compose_pane(self) -> ComposeResult:
        yield Static("idle gate: opening the workbench…", id="gate", markup=False)
        yield Static("", id="rules", markup=False)
        yield DataTable(id="jobs", cursor_type="row", zebra_stripes=True)
        yield Static("no jobs yet: `ingle jobs add eval SUITE --models M` queues one",
                     id="detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#jobs", DataTable)
        for column in COLUMNS:
            table.add_column(column, key=column)
        self.set_interval(REFRESH_S, self.refresh_live)

    def workbench_ready(self, workbench: Workbench) -> None:
        from ingle.core.jobs.idle import ActivityGate
        from ingle.core.jobs.service import JobsService

        self.service = JobsService(workbench)
        jobs_host = getattr(self.app, "jobs", None)
        # The app's gate (the one its runner waits on), else one over the same stamps.
        self.gate = jobs_host.gate if jobs_host is not None else ActivityGate.for_workbench(
            workbench)
        self.refresh_live()

    def status_fields(self) -> list[str]:
        if self.service is None:
            return []
        active = sum(1 for job in self.jobs if job.status in ("queued", "running"))
        fields = [f"{len(self.jobs)} jobs, {active} to run"]
        if self.state is not None:
            fields.append("gate: idle" if self.state.idle else "gate: busy")
        return fields

    def palette_entries(self) -> Iterable[PaletteEntry]:
        yield PaletteEntry("Jobs: pause the selected job", "no new step of it runs",
                           self.action_pause)
        yield PaletteEntry("Jobs: resume the selected job", "its steps queue again",
                           self.action_resume)
        yield PaletteEntry("Jobs: cancel the selected job", "it stops for good",
                           self.action_cancel_job)
        yield PaletteEntry("Jobs: open the selected job's result", "an eval run in Evals",
                           self.action_open_result)

    # -- live state ---------------------------------------------------------------------

    def refresh_live(self) -> None:
        if self.gate is not None:
            self.state = self.gate.state()
            self.query_one("#gate", Static).update(f"idle gate: {self.state.reason}")
            self.query_one("#rules", Static).update(
                "\n".join(f"{rule}: {words}" for rule, words in self.state.rules.items()))
        self.reload()

    def reload(self) -> None:
        """Read the jobs again in a thread; one read at a time (a read is never cancelled
        for a newer one: the next starts when it ends)."""
        if self.service is None:
            return
        if self._loading:
            self._load_again = True
            return
        self._loading = True
        self._load(self.service)

    @work(thread=True, group="jobs-load", exit_on_error=False)
    def _load(self, service: JobsService) -> None:
        try:
            jobs = service.list()
        except Exception as exc:  # noqa: BLE001 - shown, and the next read tries again
            self.app.call_from_thread(self._loaded, None, describe_error(exc))
            return
        self.app.call_from_thread(self._loaded, jobs, "")

    def _loaded(self, jobs: list[JobView] | None, error: str) -> None:
        self._loading = False
        if jobs is not None:
            self._show(jobs)
        elif error:
            self.query_one("#detail", Static).update(f"could not read the jobs: {error}")
        if self._load_again:
            self._load_again = False
            self.reload()

    def _show(self, jobs: list[JobView]) -> None:
        self.jobs = jobs
        table = self.query_one("#jobs", DataTable)
        keep = table.cursor_row
        table.clear()
        for job in jobs:
            table.add_row(*_row(job), key=str(job.id))
        if jobs:
            table.move_cursor(row=min(keep, len(jobs) - 1))
        self._describe()
        self.refresh_status()

    def _selected(self) -> JobView | None:
        table = self.query_one("#jobs", DataTable)
        row = table.cursor_row
        return self.jobs[row] if self.jobs and 0 <= row < len(self.jobs) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._describe()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter on a row: the DataTable's own key, so it arrives here
        self.run_worker(self.action_open_result(), exit_on_error=False)

    def _describe(self) -> None:
        job = self._selected()
        if job is None:
            return
        link = _result_run(job)
        lines = [f"job {job.id}: {job.title}"]
        if job.error or job.last_error:
            lines.append(f"error: {job.error or job.last_error}")
        if link:
            lines.append(f"Enter opens eval run {link} in the Evals pane")
        self.query_one("#detail", Static).update("\n".join(lines))

    # -- actions ------------------------------------------------------------------------

    def action_pause(self) -> None:
        self._change("pause")

    def action_resume(self) -> None:
        self._change("resume")

    def action_cancel_job(self) -> None:
        self._change("cancel")

    def _change(self, how: str) -> None:
        job = self._selected()
        if job is None or self.service is None:
            self.notify("no job selected")
            return
        try:
            view = getattr(self.service, how)(job.id)
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.notify(describe_error(exc), severity="warning", timeout=8)
            return
        self.notify(f"job {view.id} is {view.status}")
        self.reload()

    async def action_open_result(self) -> None:
        job = self._selected()
        if job is None:
            return
        run_id = _result_run(job)
        if run_id:
            await self.host.open_in_pane("evals", run_id)
        elif job.status in ("done", "failed", "cancelled"):
            shown = ", ".join(f"{k} {v}" for k, v in job.result.items()) or "no result"
            self.notify(f"job {job.id} {job.status}: {shown}", timeout=10)
        else:
            self.notify(f"job {job.id} is {job.status}: its result comes when it is done")


def _result_run(job: JobView) -> str:
    """The eval run a job's result is (an eval or benchmark run, a refine's last run)."""
    if job.result.get("run_id"):
        return str(job.result["run_id"])
    runs = job.result.get("runs")
    return str(runs[-1]) if isinstance(runs, list) and runs else ""


def _row(job: JobView) -> tuple[str, ...]:
    from ingle.core.jobs.idle import duration

    extra = [f"{job.running} running"] if job.running else []
    extra += [f"{job.failed} failed"] if job.failed else []
    steps = f"{job.done}/{job.total}" + (f" ({', '.join(extra)})" if extra else "")
    eta = duration(job.eta_s) if job.eta_s is not None else "-"
    if job.error or job.last_error:
        note = job.error or job.last_error
    elif _result_run(job):
        note = f"eval run {_result_run(job)}"
    else:
        note = ""
    return (str(job.id), job.kind, job.title, job.status, steps, eta, note)
