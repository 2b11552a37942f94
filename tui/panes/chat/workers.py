"""The chat pane's background jobs besides the turn: the model server check, `/model`,
`/test`, `/run`, `/tokens` and `/compact`. Each runs in one of the pane's workers and
reports into the conversation; a failure is a line there, never a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.agent.saved_session import ConversationEntry
from ingle.tui.error_text import describe_error
from ingle.tui.panes.chat.slash_actions import shell_request
from ingle.tui.panes.chat.turn_presenter import TurnPresenter, shell_note, step
from ingle.tui.panes.chat.welcome import models_note, server_line
from ingle.tui.panes.chat.widgets.test_progress import TestProgress
from textual import work

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.tui.panes.chat.status import ChatStatus
    from ingle.tui.panes.chat.widgets.transcript import Transcript
    from ingle.tui.shell.approver import TuiApprover


class ChatWorkers:
    """Mixed into ChatPane (a Textual widget, whose `run_worker` the @work methods use)."""

    if TYPE_CHECKING:
        engine: Engine
        transcript: Transcript
        status: ChatStatus
        approver: TuiApprover

        def add_entry(self, entry: ConversationEntry) -> None: ...
        def save_entries(self, entries: list[ConversationEntry]) -> None: ...
        def save_session(self) -> None: ...

    @work(exclusive=True, group="server", exit_on_error=False)
    async def check_model_server(self) -> None:
        """The first screen says whether the server answers and the model is installed."""
        engine = self.engine
        try:
            inventory = await engine.model_inventory()
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.transcript.add_entry(step(describe_error(exc), "warn"))
            return
        text, style = server_line(inventory, engine.first_model())
        self.transcript.add_entry(step(text, style))

    @work(exclusive=True, group="server", exit_on_error=False)
    async def list_models(self) -> None:
        """`/model`: what the server has installed."""
        engine = self.engine
        inventory = await engine.model_inventory()
        self.add_entry(models_note(inventory, engine.first_model(), engine.session.model is not None))

    @work(exclusive=True, group="turn", exit_on_error=False)
    async def run_tests_now(self) -> None:
        """`/test`: the repository's tests on its current state, shown like a gate result."""
        from ingle.core.agent.test_gate import JudgedTests
        from ingle.core.agent.turn_report import tests_event
        from ingle.core.test_runs import resolve_test_command

        presenter = TurnPresenter(self.transcript, self.status, self.save_entries)
        command = resolve_test_command(self.engine.settings.tests, self.engine.root)
        if command is not None:  # the run may take minutes: say what runs, at once
            self.add_entry(step(f"running the tests: {command.shown()}…", "dim"))
        self.status.set(busy=True)
        progress = TestProgress()  # live: what the tests print, as they print it
        if command is not None:
            self.transcript.add(progress)
        try:
            result = await self.engine.run_tests(on_output=progress.feed)
            self.transcript.drop(progress)
            if result is None:
                self.add_entry(step("no test command found: set [tests] command in your config", "warn"))
            else:
                presenter.show(tests_event("", JudgedTests(result=result)))
        except Exception as exc:  # noqa: BLE001 - shown, never a traceback
            self.add_entry(step(describe_error(exc), "error"))
        finally:
            self.transcript.drop(progress)
            self.status.set(busy=False)

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
