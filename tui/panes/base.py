"""The pane contract: what a pane is, what it gets from the app, and how to add one.

A pane is one full screen for one feature (chat, personas, evals, expenses, jobs). The app
shows one pane at a time; each is a Textual mode with its own screen stack, created the first
time it is opened (the registry's factories are lazy), so start-up pays only for the chat.

What the base gives every pane (the shell):
- the chrome: the pane's own widgets (from `compose_pane`) above the status bar and the
  footer. The status bar starts with the pane's title, then the pane's `status_fields()`, then
  what the app shows everywhere (GPU memory, Claude spend today).
- the Workbench: `self.workbench` (core/workbench.py: settings, store, personas, persona
  caller, gates, GPU probe, event bus). It is opened by the app in the background (the app
  opens the coding session; its `engine.workbench` is this one) and handed to the pane through
  `workbench_ready()`, called once, on the UI thread. It is None before that, and stays None
  when the configuration cannot be opened (the app then shows why and exits 2).
- `self.host`: the app, seen through `PaneHost` (switch panes, show shared status). A pane
  never imports the app, another pane or the chat's internals: attributes down, messages up.
- its palette entries (`palette_entries()`): shown in Ctrl+P while the pane is open, after the
  app-wide ones (switch pane, themes).

How to add a pane (the feature template's TUI row; see ../shared/ARCHITECTURE.md):

1. `tui/panes/<feature>/__init__.py` (empty) and `tui/panes/<feature>/pane.py`:

       class JobsPane(Pane):
           PANE = "jobs"                       # the registry row's name
           BINDINGS = [Binding("r", "run_now", "Run now", id="jobs.run_now")]  # in the footer

           def compose_pane(self) -> ComposeResult:
               yield DataTable(id="jobs")

           def workbench_ready(self, workbench: Workbench) -> None:
               self.service = JobsService(workbench)   # explicit construction
               self.reload()                           # a @work(thread=True) method

           def status_fields(self) -> list[str]:
               return [f"{self.queued} queued"]        # call self.refresh_status() on change

           def palette_entries(self) -> Iterable[PaletteEntry]:
               yield PaletteEntry("Jobs: run now", "run the next job now", self.action_run_now)

   Blocking service calls run in `@work(thread=True, exit_on_error=False)` workers and come
   back with `self.app.call_from_thread(...)`; long work subscribes to the service's events
   (or `workbench.bus`) in a worker and shows progress. Errors are shown with
   `ingle.tui.error_text.describe_error`, never as a traceback. Every action has a key with a
   footer label (keyboard first).
2. One row appended to `tui/panes/registry.py` PANES:
       PaneSpec("jobs", "Jobs", "f10", "ingle.tui.panes.jobs.pane:JobsPane", "idle-time jobs")
   That row alone gives: the key that switches to the pane (shown in every footer and in
   /help), a "Pane: Jobs" palette entry, and the `/jobs` command in the chat. Pick a key no
   other row uses (the registry test checks).
3. Tests in `tests/<feature>/test_pane.py`: the real app through Pilot
   (`IngleApp(repo).run_test()`), opened with the key, against the fake servers in
   tests/fakes/; a snapshot if the pane has a layout worth keeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual.app import ComposeResult
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Footer

from ingle.tui.shell.status_bar import StatusBar
from ingle.tui.shell.status_info import SharedStatus

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench


@dataclass(frozen=True)
class PaletteEntry:
    title: str
    help: str
    run: Callable[[], object]


class PaneHost(Protocol):
    """What a pane may ask of the app (the app implements it; panes never import the app)."""

    workbench: Workbench | None
    workbench_opened: Signal[Workbench]
    shared_status: SharedStatus
    shared_status_changed: Signal[SharedStatus]

    def switch_pane(self, name: str) -> None: ...

    async def open_in_pane(self, name: str, item: str) -> None:
        """Switch to pane `name` and have it show `item` (its `show_item`), e.g. an eval run."""
        ...

    def refresh_spend(self) -> None: ...


class Pane(Screen[None]):
    """A feature's full screen. Subclasses set PANE and implement `compose_pane`."""

    PANE: ClassVar[str] = ""  # the registry row's name

    def __init__(self) -> None:
        super().__init__()
        self.workbench: Workbench | None = None
        self.status_bar = StatusBar(id="status")

    @property
    def host(self) -> PaneHost:
        return self.app  # type: ignore[return-value]

    @property
    def title_text(self) -> str:
        from ingle.tui.panes.registry import pane

        spec = pane(self.PANE)
        return spec.title if spec is not None else self.PANE.title()

    # -- what a pane overrides ----------------------------------------------------------

    def compose_pane(self) -> ComposeResult:
        yield from ()

    def workbench_ready(self, workbench: Workbench) -> None:
        """The Workbench is open (called once, on the UI thread)."""

    def status_fields(self) -> list[str]:
        return []

    def palette_entries(self) -> Iterable[PaletteEntry]:
        return ()

    # -- the chrome -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_pane()
        yield self.status_bar
        yield Footer()

    def refresh_status(self) -> None:
        self.status_bar.set(pane=self.title_text, fields=self.status_fields())

    # Private names: Textual calls each class's own handler, so a pane's on_mount runs
    # as well as these (a pane need not, and cannot, call super().on_mount()).
    def _on_mount(self) -> None:
        host = self.host
        self.status_bar.set(pane=self.title_text, shared=host.shared_status)
        host.shared_status_changed.subscribe(self, self._shared_changed)
        host.workbench_opened.subscribe(self, self._workbench_opened)
        if host.workbench is not None:
            self._workbench_opened(host.workbench)
        self.refresh_status()

    def _on_screen_resume(self) -> None:
        # Signals reach panes that are not shown too, but a resumed pane checks anyway.
        self.status_bar.set(shared=self.host.shared_status)
        if self.workbench is None and self.host.workbench is not None:
            self._workbench_opened(self.host.workbench)

    def _shared_changed(self, shared: SharedStatus) -> None:
        self.status_bar.set(shared=shared)

    def _workbench_opened(self, workbench: Workbench) -> None:
        if self.workbench is not None:
            return
        self.workbench = workbench
        self.workbench_ready(workbench)
        self.refresh_status()
