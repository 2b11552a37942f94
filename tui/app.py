"""The full-screen app: screens as modes, the engine opened in the background.

Screens are Textual modes, each with its own stack; Chat is the first. Later
screens (Personas, Evals, Expenses, Jobs) join MODES and subscribe to
`session_opened` as the chat screen does.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme
from textual.timer import Timer

from ingle.core.agent.saved_session import OpenedSession
from ingle.themes.ingle import DEFAULT_THEME, INGLE_THEMES
from ingle.tui.error_text import describe_error
from ingle.tui.palette import IngleCommands
from ingle.tui.preferences import Preferences
from ingle.tui.screens.approval import ApprovalScreen
from ingle.tui.panes.registry import PANES
from ingle.tui.screens.chat import ChatScreen
from ingle.tui.status_info import GpuReading
from ingle.tui.tui_approver import ApprovalNeeded

GPU_POLL_S = 5.0


class IngleApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "Ingle"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {
        spec.name: spec.make for spec in PANES
    }
    DEFAULT_MODE = "chat"
    COMMANDS = App.COMMANDS | {IngleCommands}

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
        self.session_opened: Signal[OpenedSession] = Signal(self, "session-opened")
        self._gpu_timer: Timer | None = None
        self._data_dir: Path | None = None

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

    # -- the engine -------------------------------------------------------------------

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
        self.session_opened.publish(opened)

    def _open_failed(self, message: str) -> None:
        from ingle.tui.turn_presenter import step

        self.open_error = message
        chat = self.chat_screen
        if chat is not None:
            chat.transcript.add_entry(step(f"Ingle could not open: {message}", "fail"))
            chat.status.set(repo="not open")
        self.notify(message, title="Could not open", severity="error", timeout=30)

    @property
    def chat_screen(self) -> ChatScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                return screen
        try:
            found = self.get_screen_stack("chat")
        except Exception:  # noqa: BLE001 - the mode is not started yet
            return None
        return next((s for s in found if isinstance(s, ChatScreen)), None)

    # -- approvals --------------------------------------------------------------------

    def on_approval_needed(self, message: ApprovalNeeded) -> None:
        if message.future.done():  # the turn was interrupted before we got here
            return
        self.push_screen(ApprovalScreen(message.request, message.future))

    # -- status -----------------------------------------------------------------------

    def set_status(self, **changes: Any) -> None:
        chat = self.chat_screen
        if chat is not None:
            chat.status.set(**changes)

    @work(thread=True, exclusive=True, group="spend", exit_on_error=False)
    def refresh_spend(self) -> None:
        if self.opened is None:
            return
        try:
            spent = self.opened.engine.claude_spent_today()
        except Exception:  # noqa: BLE001 - a missing figure, not an error worth a dialog
            return
        self.call_from_thread(self.set_status, claude_today_usd=spent)

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
        self.call_from_thread(self.set_status, gpu=reading)

    # -- themes -----------------------------------------------------------------------

    def _remember_theme(self, theme: Theme) -> None:
        if self._data_dir is not None:
            Preferences(theme=theme.name).save(self._data_dir)

    async def on_unmount(self) -> None:
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
