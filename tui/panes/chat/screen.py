"""The chat pane: the conversation, the prompt, the files, and the chat's status fields.

It talks to the app only through ChatHost (the session the app opened, or why it could not)
and the Pane base; the `/` commands reach it through ChatControls."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, ClassVar

from ingle.core.agent.saved_session import ConversationEntry, OpenedSession
from ingle.tui.error_text import describe_error
from ingle.tui.panes.base import PaletteEntry, Pane
from ingle.tui.panes.chat.completion_source import CompletionSource
from ingle.tui.panes.chat.controls import ChatHost
from ingle.tui.panes.chat.palette import chat_palette
from ingle.tui.panes.chat.prompt_history import PromptHistory
from ingle.tui.panes.chat.slash_actions import SlashActions, think_label
from ingle.tui.panes.chat.slash_commands import UnknownCommand, parse_slash
from ingle.tui.panes.chat.status import ChatStatus
from ingle.tui.panes.chat.turn_presenter import TurnPresenter, step
from ingle.tui.panes.chat.welcome import welcome
from ingle.tui.panes.chat.widgets.completion_menu import CompletionMenu
from ingle.tui.panes.chat.widgets.files_panel import FilesPanel
from ingle.tui.panes.chat.widgets.prompt_input import PromptInput
from ingle.tui.panes.chat.widgets.transcript import Transcript
from ingle.tui.panes.chat.workers import ChatWorkers
from ingle.tui.shell.approver import TuiApprover
from ingle.tui.widgets.thinking_block import ThinkingBlock
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ingle.core.agent.engine import Engine

_MENTION = re.compile(r"(?:^|\s)@(\S+)")
_WORD = re.compile(r"[^\s`'\"(),;:!?]+")
THINK_CYCLE: list[Any] = [None, True, False]


class ChatPane(ChatWorkers, Pane):
    PANE = "chat"
    CSS_PATH = "chat.tcss"
    AUTO_FOCUS = "#prompt"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "interrupt", "Interrupt", id="chat.interrupt"),
        Binding("ctrl+b", "toggle_files", "Files", id="chat.files"),
        Binding("f3", "show_log", "Model log", id="chat.log"),
        Binding("ctrl+t", "toggle_think", "Thinking", id="chat.think"),
        Binding("f4", "toggle_auto_edits", "Auto-apply edits", id="chat.auto_edits"),
        Binding("f1", "help", "Help", id="chat.help"),
        Binding("ctrl+o", "open_thinking", "Thought", id="chat.thought"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.opened: OpenedSession | None = None
        self.queued: list[tuple[str, str | None, str | None]] = []  # typed during a turn
        self.waiting_lines: list[str] = []  # typed before the session was open
        self.last_presenter: TurnPresenter | None = None
        self.open_error: str | None = None  # why the session could not be opened
        self.source = CompletionSource()
        self.history = PromptHistory()
        self.menu = CompletionMenu(id="completion")
        self.transcript = Transcript(id="transcript")
        self.files_panel = FilesPanel(id="files")
        self.status = ChatStatus(self.status_bar)
        self.prompt = PromptInput(self.menu, self.source, self.history, id="prompt")
        self.actions = SlashActions(self)
        self.approver = TuiApprover(self._post_to_app, self._auto_edits, self._set_auto_edits)

    @property
    def chat_host(self) -> ChatHost:
        return self.app  # type: ignore[return-value]

    @property
    def engine(self) -> Engine:
        if self.opened is None:
            raise RuntimeError("the engine is not open yet")
        return self.opened.engine

    def compose_pane(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="conversation"):
                yield self.transcript
                yield self.transcript.below
            yield self.files_panel
        yield self.menu
        yield self.prompt

    def status_fields(self) -> list[str]:
        return self.status.info.segments()

    def on_mount(self) -> None:
        host = self.chat_host
        host.session_opened.subscribe(self, self._session_opened)
        host.open_failed.subscribe(self, self._open_failed)
        if host.opened is not None:
            self._session_opened(host.opened)
        elif host.open_error is not None:
            self._open_failed(host.open_error)
        else:
            self.status.set(repo="opening…")

    def _open_failed(self, message: str) -> None:
        self.open_error = message
        self.transcript.add_entry(step(f"Ingle could not open: {message}", "fail"))
        self.transcript.add_entry(step("Fix it and start Ingle again. Ctrl+Q quits (exit status 2).", "info"))
        self.status.set(repo="not open")

    # -- the session ------------------------------------------------------------------

    def _session_opened(self, opened: OpenedSession) -> None:
        if self.opened is not None:
            return
        self.opened = opened
        engine = opened.engine
        self.source.set_files(engine.repo_files())
        self.history = PromptHistory(e.text for e in opened.entries if e.kind == "user")
        self.prompt.prompt_history = self.history
        self.transcript.load(opened.entries)
        for notice in opened.notices:
            self.add_entry(step(notice, "warn"))
        if engine.repo is None:
            self.add_entry(step(
                f"{engine.root} is not a git repository: edits would be written without a commit "
                "to undo them. /init creates one.", "warn",
            ))
        if not opened.entries:  # a new conversation: where, who, and what to type first
            files = self.source.files
            self.transcript.add_entry(welcome(engine, files[0] if files else None))
            self.check_model_server()
        self.files_changed()
        self.refresh_status()
        self.host.refresh_spend()
        if self.waiting_lines:
            self.run_worker(self._run_waiting_lines(), exit_on_error=False)

    async def _run_waiting_lines(self) -> None:
        lines, self.waiting_lines = self.waiting_lines, []
        for line in lines:
            await self.run_line(line)

    def add_entry(self, entry: ConversationEntry) -> None:
        self.transcript.add_entry(entry)
        self.save_entries([entry])

    def save_entries(self, entries: list[ConversationEntry]) -> None:
        if self.opened is not None:
            self.opened.save_entries(entries)

    def save_session(self) -> None:
        if self.opened is not None:
            self.opened.save_session()

    def new_conversation(self) -> None:
        if self.opened is None:
            return
        self.workers.cancel_group(self, "turn")
        self.opened.start_new()
        self.transcript.clear()
        self.add_entry(step("new conversation (the files stay in the chat)", "dim"))

    def files_changed(self) -> None:
        self.files_panel.show_files(self.engine.session.chat_files)
        self.save_session()

    def refresh_status(self) -> None:
        if self.opened is None:
            super().refresh_status()
            return
        engine = self.engine
        session = engine.session
        self.status.set(
            repo=engine.root.name,
            branch=engine.branch,
            persona=session.persona,
            model=session.model or engine.first_model(),
            think=think_label(session.think),
            mode=session.mode,
            auto_edits=session.auto_approve_edits,
            best_of=session.best_of,
        )
        self.save_session()

    def switch_pane(self, name: str) -> None:
        self.host.switch_pane(name)

    async def quit(self) -> None:
        await self.app.action_quit()

    def next_think(self) -> Any:
        current = self.engine.session.think
        index = THINK_CYCLE.index(current) if current in THINK_CYCLE else -1
        return THINK_CYCLE[(index + 1) % len(THINK_CYCLE)]

    def _post_to_app(self, message: Message) -> None:
        self.app.post_message(message)

    def _auto_edits(self) -> bool:
        return self.opened is not None and self.engine.session.auto_approve_edits

    def _set_auto_edits(self, value: bool) -> None:
        self.engine.session.auto_approve_edits = value
        self.refresh_status()

    # -- input ------------------------------------------------------------------------

    async def on_prompt_input_submitted(self, event: PromptInput.Submitted) -> None:
        if self.open_error is not None:
            self.transcript.add_entry(step(f"Ingle could not open: {self.open_error}", "fail"))
            return
        if self.opened is None:  # kept, and run as soon as the repository is open
            self.waiting_lines.append(event.text)
            self.transcript.add_entry(step(f"{event.text} (runs once the repository is open)", "dim"))
            return
        await self.run_line(event.text)

    def on_prompt_input_completion_accepted(self, event: PromptInput.CompletionAccepted) -> None:
        completion = event.completion
        if completion.kind == "file" and completion.replacement.startswith("@"):
            self._add_mentions([completion.label])

    async def run_line(self, text: str) -> None:
        """A prompt line: a `/` command, or an instruction for a turn."""
        try:
            command = parse_slash(text)
        except UnknownCommand as exc:
            self.add_entry(step(str(exc), "warn"))
            return
        if command is None:
            self.start_turn(text)
            return
        try:
            await self.actions.run(command)
        except Exception as exc:  # noqa: BLE001 - shown in the conversation, never a traceback
            self.add_entry(step(describe_error(exc), "fail"))

    def _add_mentions(self, paths: list[str]) -> None:
        try:
            added = self.engine.add_files(paths)
        except Exception as exc:  # noqa: BLE001 - a mistyped @path is a message, not a crash
            self.add_entry(step(describe_error(exc), "warn"))
            return
        if added:
            self.files_changed()

    # -- turns ------------------------------------------------------------------------

    def last_instruction(self) -> str:
        """The last request sent to a model (not a / command)."""
        return next((e for e in reversed(self.history.entries) if not e.startswith("/")), "")

    def start_turn(
        self, instruction: str, mode: str | None = None, escalate: str | None = None
    ) -> None:
        if self.turn_running:
            # Typed while a turn streams: sent when it ends (Esc still interrupts it).
            self.queued.append((instruction, mode, escalate))
            self.add_entry(step(f"queued: {instruction} (sent when this turn ends; Esc interrupts it)", "dim"))
            self.status.set(queued=len(self.queued))
            return
        named = self.named_files(instruction)
        if named:
            self._add_mentions(named)
        self.add_entry(ConversationEntry(kind="user", text=instruction))
        self.save_session_title(instruction)
        self._run_turn(instruction, mode, escalate)

    @property
    def turn_running(self) -> bool:
        return any(w.group == "turn" and not w.is_finished for w in self.workers)

    def named_files(self, instruction: str) -> list[str]:
        """Repository files the message names (`@greet.py`, or just `greet.py` or
        `src/util.py`): added to the chat before the model is asked, not after."""
        files = set(self.source.files)
        words = [m for m in _MENTION.findall(instruction)] + _WORD.findall(instruction)
        named = []
        for word in words:
            path = word.lstrip("@").rstrip(".")
            if path in files and path not in named:
                named.append(path)
        return named

    def _send_queued(self) -> None:
        if self.queued and not self.turn_running:
            instruction, mode, escalate = self.queued.pop(0)
            self.status.set(queued=len(self.queued))
            self.start_turn(instruction, mode, escalate)

    def save_session_title(self, instruction: str) -> None:
        if self.opened is not None and not self.opened.conversation.title:
            self.opened.set_title(instruction.strip().splitlines()[0])

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _run_turn(self, instruction: str, mode: str | None, escalate: str | None = None) -> None:
        code = (mode or self.engine.session.mode) == "code"
        self.approver.waited_s = 0.0
        presenter = TurnPresenter(
            self.transcript, self.status, self.save_entries, fold_edits=code,
            waited_s=lambda: self.approver.waited_s,
        )
        self.last_presenter = presenter
        self.status.set(busy=True)
        try:
            async for event in self.engine.run_turn(
                instruction, self.approver, mode=mode, gates=self.engine.session.gates, escalate=escalate
            ):
                presenter.show(event)
                if event.type == "context_prepared":
                    self.files_panel.show_files(
                        self.engine.session.chat_files, event.sections.get("repo_map")
                    )
        except asyncio.CancelledError:
            presenter.close_streams()
            presenter.interrupted()
            raise
        except Exception as exc:  # noqa: BLE001 - engine failures are shown, never a traceback
            presenter.close_streams()
            message = describe_error(exc)
            presenter.failed(message)
            self.notify(message, title="The turn failed", severity="error")
        finally:
            self.status.set(busy=False)
            self.refresh_status()  # the session's model and thinking again, not the last rung's
            self.files_changed()
            self.host.refresh_spend()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A turn (or /test, /compact) ended: send what was queued, unless interrupted."""
        if event.worker.group != "turn" or not event.worker.is_finished:
            return
        if event.state == WorkerState.CANCELLED:
            self._restore_queued()
        else:
            self._send_queued()

    def _restore_queued(self) -> None:
        """An interrupted turn sends nothing queued: the queued text goes back to the prompt."""
        if not self.queued:
            return
        texts = [instruction for instruction, _, _ in self.queued]
        self.queued.clear()
        self.status.set(queued=0)
        current = self.prompt.text.strip()
        self.prompt.load_text("\n\n".join([*texts, current] if current else texts))
        self.add_entry(step("the queued message is back in the prompt, not sent", "dim"))

    def action_interrupt(self) -> None:
        if self.menu.shown:
            self.menu.hide()
            return
        running = [w for w in self.workers if w.group == "turn" and w.is_running]
        if running:
            self.workers.cancel_group(self, "turn")

    # -- keys -------------------------------------------------------------------------

    def on_prompt_input_page_requested(self, event: PromptInput.PageRequested) -> None:
        self.transcript.page(event.up)

    def action_open_thinking(self) -> None:
        """Open (or fold again) the latest thinking block."""
        blocks = self.transcript.query(ThinkingBlock)
        if blocks:
            block = blocks.last()
            block.collapsed = not block.collapsed
            if not block.collapsed:
                self.transcript.scroll_to_widget(block, animate=False)

    def action_toggle_files(self) -> None:
        self.files_panel.toggle_class("-shown")

    def show_log(self) -> None:
        self.action_show_log()

    def action_show_log(self) -> None:
        if self.opened is None:
            return
        from ingle.tui.shell.call_log import CallLogScreen

        engine = self.engine
        self.app.push_screen(CallLogScreen(lambda: engine.recent_calls(100)))

    async def action_toggle_think(self) -> None:
        if self.opened is not None:
            await self.run_line("/think")

    def action_toggle_auto_edits(self) -> None:
        if self.opened is None:
            return
        value = not self.engine.session.auto_approve_edits
        self._set_auto_edits(value)
        self.notify("Edits are applied without asking" if value else "Edits ask first again")

    async def action_help(self) -> None:
        if self.opened is not None:
            await self.run_line("/help")

    def palette_entries(self) -> Iterable[PaletteEntry]:
        return chat_palette(self)
