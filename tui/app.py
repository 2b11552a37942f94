"""The full-screen app: panes as modes, the coding session opened in the background.

Every pane in tui/panes/registry.py PANES is a Textual mode with a lazy factory and an
app-wide key; chat is the first. The app opens the coding session (the engine on a
Workbench) in a thread and publishes it: `session_opened` for the chat, `workbench_opened`
for every pane (see tui/panes/base.py). It implements PaneHost and ChatHost; it never
reaches into a pane's widgets.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme
from textual.timer import Timer

from ingle.core.agent.saved_session import OpenedSession
from ingle.themes.ingle import DEFAULT_THEME, INGLE_THEMES
from ingle.tui.error_text import describe_error
from ingle.tui.panes.registry import PANES
from ingle.tui.preferences import Preferences
from ingle.tui.shell.approval import ApprovalScreen
from ingle.tui.shell.approver import ApprovalNeeded
from ingle.tui.shell.palette import IngleCommands
from ingle.tui.shell.status_info import GpuReading, SharedStatus

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench
    from ingle.tui.shell.jobs_host import JobsHost

GPU_POLL_S = 5.0
JOBS_BADGE_S = 2.0  # the badge follows the gate (running/waiting) this often at least


class IngleApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "Ingle"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {
        spec.name: spec.make for spec in PANES
    }
    DEFAULT_MODE = "chat"
    COMMANDS = App.COMMANDS | {IngleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the chat's prompt (a TextArea) would otherwise swallow the F-keys
        Binding(spec.key, f"switch_pane('{spec.name}')", spec.title, id=f"pane.{spec.name}",
                priority=True)
        for spec in PANES
    ]

    def __init__(
        self,
        repo: Path | None = None,
        *,
        new_session: bool = False,
        persona: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__()
        self.repo = repo
        self.new_session = new_session
        self.persona = persona
        self.model = model
        self.opened: OpenedSession | None = None
        self.open_error: str | None = None
        self.workbench: Workbench | None = None
        self.shared_status = SharedStatus()
        self.session_opened: Signal[OpenedSession] = Signal(self, "session-opened")
        self.open_failed: Signal[str] = Signal(self, "open-failed")
        self.workbench_opened: Signal[Workbench] = Signal(self, "workbench-opened")
        self.shared_status_changed: Signal[SharedStatus] = Signal(self, "shared-status")
        self._gpu_timer: Timer | None = None
        self._data_dir: Path | None = None
        self.jobs: JobsHost | None = None  # the job runner hosted here, once the workbench is open

    def on_mount(self) -> None:
        from ingle.core.config.paths import IngleDirs

        for theme in INGLE_THEMES:
            self.register_theme(theme)
        self._data_dir = IngleDirs.from_env().data
        saved = Preferences.load(self._data_dir).theme
        self.theme = saved if saved in self.available_themes else DEFAULT_THEME
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._open_session()
        self._gpu_timer = self.set_interval(GPU_POLL_S, self._poll_gpu)
        self._poll_gpu()

    # -- panes ------------------------------------------------------------------------

    def switch_pane(self, name: str) -> None:
        if name in self.MODES and name != self.current_mode:
            self.switch_mode(name)

    def action_switch_pane(self, name: str) -> None:
        self.switch_pane(name)

    def pane(self, name: str) -> Screen | None:
        """The pane's screen, if it has been opened."""
        try:
            stack = self.get_screen_stack(name)
        except Exception:  # noqa: BLE001 - the mode is not started yet
            return None
        return stack[0] if stack else None

    # -- the coding session -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _open_session(self) -> None:
        try:
            opened = OpenedSession.open(
                self.repo, new_session=self.new_session, persona=self.persona, model=self.model
            )
        except Exception as exc:  # noqa: BLE001 - a broken config is a message on screen
            self.call_from_thread(self._open_failed, describe_error(exc))
            return
        self.call_from_thread(self._opened, opened)

    def _opened(self, opened: OpenedSession) -> None:
        self.opened = opened
        self.workbench = opened.engine.workbench
        self._start_jobs(self.workbench)
        self.session_opened.publish(opened)
        self.workbench_opened.publish(self.workbench)

    # -- idle-time jobs ---------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        # Every key and mouse event is the user being here: the idle gate pauses jobs.
        if (isinstance(event, events.InputEvent) and not event.is_forwarded
                and self.workbench is not None):
            self.workbench.activity.stamp_input(
                "mouse" if isinstance(event, events.MouseEvent) else "key")
        await super().on_event(event)

    def _start_jobs(self, workbench: Workbench) -> None:
        from ingle.tui.shell.jobs_host import JobsHost

        workbench.activity.open_app()
        self.jobs = JobsHost(workbench, self.refresh_jobs_badge, self._jobs_failed)
        self.jobs.start()
        self.set_interval(JOBS_BADGE_S, self.refresh_jobs_badge)

    def refresh_jobs_badge(self) -> None:
        badge = self.jobs.badge() if self.jobs is not None else None
        if badge != self.shared_status.jobs:
            self.set_shared_status(jobs=badge)

    def _jobs_failed(self, message: str) -> None:
        self.notify(message, severity="error", timeout=10)

    async def open_in_pane(self, name: str, item: str) -> None:
        """Switch to pane `name` and show `item` there (an eval run id in the Evals pane)."""
        if name in self.MODES and name != self.current_mode:
            await self.switch_mode(name)
        target = self.pane(name)
        show = getattr(target, "show_item", None)
        if show is not None:
            show(item)

    def _open_failed(self, message: str) -> None:
        # One state, on the chat pane (which subscribes): what failed, where, what to do.
        self.open_error = message
        self.open_failed.publish(message)

    async def action_quit(self) -> None:
        """Quit; exit status 2 when the session never opened (bad config or input)."""
        self.exit(return_code=2 if self.open_error is not None else 0)

    # -- approvals --------------------------------------------------------------------

    def on_approval_needed(self, message: ApprovalNeeded) -> None:
        if message.future.done():  # the turn was interrupted before we got here
            return
        self.push_screen(ApprovalScreen(message.request, message.future))

    # -- status shown on every pane -----------------------------------------------------

    def set_shared_status(self, **changes: Any) -> None:
        self.shared_status = self.shared_status.model_copy(update=changes)
        self.shared_status_changed.publish(self.shared_status)

    @work(thread=True, exclusive=True, group="spend", exit_on_error=False)
    def refresh_spend(self) -> None:
        if self.opened is None:
            return
        try:
            spent = self.opened.engine.claude_spent_today()
        except Exception:  # noqa: BLE001 - a missing figure, not an error worth a dialog
            return
        self.call_from_thread(self.set_shared_status, claude_today_usd=spent)

    @work(thread=True, exclusive=True, group="gpu", exit_on_error=False)
    def _poll_gpu(self) -> None:
        from ingle.core.gpu import read_gpu_memory

        gpus = read_gpu_memory()
        if not gpus:  # no NVIDIA GPU: the field stays hidden and we stop asking
            if self._gpu_timer is not None:
                self.call_from_thread(self._gpu_timer.stop)
            return
        reading = GpuReading(
            used_bytes=sum(g.used_bytes for g in gpus), total_bytes=sum(g.total_bytes for g in gpus)
        )
        self.call_from_thread(self.set_shared_status, gpu=reading)

    # -- themes -----------------------------------------------------------------------

    def _remember_theme(self, theme: Theme) -> None:
        if self._data_dir is not None:
            Preferences(theme=theme.name).save(self._data_dir)

    async def on_unmount(self) -> None:
        if self.jobs is not None:  # its step in flight goes back to the queue
            jobs, self.jobs = self.jobs, None
            await jobs.aclose()
        if self.opened is not None:
            opened, self.opened = self.opened, None
            self.workers.cancel_all()
            opened.save_session()
            await opened.engine.aclose()


def run_app(
    repo: Path | None,
    new_session: bool = False,
    persona: str | None = None,
    model: str | None = None,
) -> int:
    """`ingle` without a command: the app in `repo` (default: the current directory)."""
    tune_gc()
    app = IngleApp(repo, new_session=new_session, persona=persona, model=model)
    app.run()
    return app.return_code or 0


def tune_gc() -> None:
    """The app owns its process: collect young objects less often and never rescan what
    start-up created. Full collections over a long session's objects stalled the event
    loop for 0.1-0.6 s while streaming; with these settings the worst key wait in
    benchmarks/bench_tui_stream.py fell from ~500 ms to ~30 ms and CPU by ~15%."""
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)
