"""The chat-and-edit screen: the conversation, the prompt, the files and the status."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer

from ingle.core.agent.saved_session import ConversationEntry
from ingle.tui.completion_source import CompletionSource
from ingle.tui.error_text import describe_error
from ingle.core.agent.saved_session import OpenedSession
from ingle.tui.prompt_history import PromptHistory
from ingle.tui.slash_actions import SlashActions, shell_request, think_label
from ingle.tui.slash_commands import UnknownCommand, parse_slash
from ingle.tui.tui_approver import TuiApprover
from ingle.tui.turn_presenter import TurnPresenter, shell_note, step
from ingle.tui.widgets.completion_menu import CompletionMenu
from ingle.tui.widgets.files_panel import FilesPanel
from ingle.tui.widgets.prompt_input import PromptInput
from ingle.tui.widgets.status_bar import StatusBar
from ingle.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.tui.app import IngleApp

_MENTION = re.compile(r"(?:^|\s)@(\S+)")
THINK_CYCLE: list[Any] = [None, True, False]


class ChatScreen(Screen[None]):
    CSS_PATH = "chat.tcss"
    AUTO_FOCUS = "#prompt"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "interrupt", "Interrupt", id="chat.interrupt"),
        Binding("ctrl+b", "toggle_files", "Files", id="chat.files"),
        Binding("f3", "show_log", "Model log", id="chat.log"),
        Binding("ctrl+t", "toggle_think", "Thinking", id="chat.think"),
        Binding("f4", "toggle_auto_edits", "Auto-apply edits", id="chat.auto_edits"),
        Binding("f1", "help", "Help", id="chat.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.opened: OpenedSession | None = None
        self.source = CompletionSource()
        self.history = PromptHistory()
        self.menu = CompletionMenu(id="completion")
        self.transcript = Transcript(id="transcript")
        self.files_panel = FilesPanel(id="files")
        self.status = StatusBar(id="status")
        self.prompt = PromptInput(self.menu, self.source, self.history, id="prompt")
        self.actions = SlashActions(self)
        self.gates: str | list[str] = "auto"
        self.approver = TuiApprover(self._post_to_app, self._auto_edits, self._set_auto_edits)

    @property
    def ingle_app(self) -> IngleApp:
        return self.app  # type: ignore[return-value]

    @property
    def engine(self) -> Engine:
        if self.opened is None:
            raise RuntimeError("the engine is not open yet")
        return self.opened.engine

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield self.transcript
            yield self.files_panel
        yield self.menu
        yield self.prompt
        yield self.status
        yield Footer()

    def on_mount(self) -> None:
        self.ingle_app.session_opened.subscribe(self, self._session_opened)
        if self.ingle_app.opened is not None:
            self._session_opened(self.ingle_app.opened)
        else:
            self.status.set(repo="opening…")

    # -- the session ------------------------------------------------------------------

    def _session_opened(self, opened: OpenedSession) -> None:
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
        self.files_changed()
        self.refresh_status()
        self.ingle_app.refresh_spend()

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
        )
        self.save_session()

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
        if self.opened is None:
            self.notify("Still opening the repository; try again in a moment.", severity="warning")
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
        mentioned = [m for m in _MENTION.findall(instruction) if m in set(self.source.files)]
        if mentioned:
            self._add_mentions(mentioned)
        self.add_entry(ConversationEntry(kind="user", text=instruction))
        self.save_session_title(instruction)
        self._run_turn(instruction, mode, escalate)

    def save_session_title(self, instruction: str) -> None:
        if self.opened is not None and not self.opened.conversation.title:
            self.opened.set_title(instruction.strip().splitlines()[0])

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def _run_turn(self, instruction: str, mode: str | None, escalate: str | None = None) -> None:
        presenter = TurnPresenter(self.transcript, self.status, self.save_entries)
        self.status.set(busy=True)
        try:
            async for event in self.engine.run_turn(
                instruction, self.approver, mode=mode, gates=self.gates, escalate=escalate
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
            self.files_changed()
            self.ingle_app.refresh_spend()

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def run_tests_now(self) -> None:
        """`/test`: the repository's tests on its current state, shown like a gate result."""
        from ingle.core.agent.turn_report import tests_event

        presenter = TurnPresenter(self.transcript, self.status, self.save_entries)
        self.status.set(busy=True)
        try:
            result = await self.engine.run_tests()
            if result is None:
                self.add_entry(step("no test command found: set [tests] command in your config", "warn"))
            else:
                presenter.show(tests_event("", result))
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.add_entry(step(describe_error(exc), "error"))
        finally:
            self.status.set(busy=False)

    def action_interrupt(self) -> None:
        if self.menu.shown:
            self.menu.hide()
            return
        running = [w for w in self.workers if w.group == "turn" and w.is_running]
        if running:
            self.workers.cancel_group(self, "turn")

    @work(exclusive=True, group="shell", exit_on_error=False)
    async def run_shell(self, command: str) -> None:
        from ingle.core.agent.shell import run_shell_command

        if not await self.approver.approve(shell_request(command)):
            self.add_entry(step(f"not run: {command}", "dim"))
            return
        result = await run_shell_command(command, self.engine.root)
        self.add_entry(shell_note(command, result.exit_code, result.output))

    @work(thread=True, exclusive=True, group="tokens", exit_on_error=False)
    def show_tokens(self) -> None:
        try:
            text = "\n".join(self.engine.token_breakdown().lines())
            entry = ConversationEntry(kind="note", text=f"```text\n{text}\n```")
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            entry = step(describe_error(exc), "fail")
        self.app.call_from_thread(self.add_entry, entry)

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def compact(self) -> None:
        self.status.set(busy=True)
        try:
            result = await self.engine.compact()
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.add_entry(step(describe_error(exc), "fail"))
            return
        finally:
            self.status.set(busy=False)
        self.add_entry(step(f"compact: {result.message}", "ok" if result.ok else "warn"))
        self.save_session()

    # -- keys -------------------------------------------------------------------------

    def action_toggle_files(self) -> None:
        self.files_panel.toggle_class("-shown")

    def action_show_log(self) -> None:
        if self.opened is None:
            return
        from ingle.tui.screens.call_log import CallLogScreen

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
