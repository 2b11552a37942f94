"""Turns the engine's events into the conversation on screen and the saved transcript."""

from __future__ import annotations

from collections.abc import Callable

from ingle.core.agent.events import (
    AnswerText,
    AttemptStarted,
    Committed,
    ContextPrepared,
    EditApplied,
    EditRefused,
    FilesRequested,
    GateRan,
    ModelFinished,
    Notice,
    RepairRequested,
    ShellRan,
    ShellSuggested,
    TestsRan,
    ThinkingText,
    TurnEvent,
    TurnFinished,
    UserChangesSaved,
)
from ingle.core.agent.saved_session import ConversationEntry
from ingle.tui.panes.chat.edit_blocks import fold_edit_blocks
from ingle.tui.panes.chat.status import ChatStatus
from ingle.tui.widgets.streaming_markdown import StreamingMarkdown
from ingle.tui.widgets.thinking_block import ThinkingBlock
from ingle.tui.panes.chat.widgets.transcript import Transcript

MAX_DIAGNOSTICS = 12
_GATE_STYLES = {"passed": "ok", "failed": "fail", "not_applicable": "dim"}


def step(text: str, style: str = "info") -> ConversationEntry:
    return ConversationEntry(kind="step", text=text, data={"style": style})


def shell_note(command: str, exit_code: int, output: str) -> ConversationEntry:
    fence = "````" if "```" in output else "```"
    body = output.rstrip() or "(no output)"
    return ConversationEntry(kind="note", text=f"`$ {command}` exit {exit_code}\n\n{fence}text\n{body}\n{fence}\n")


class TurnPresenter:
    """One turn's presenter: streams text into live widgets, adds a line per step.

    Every finished item goes to `save` in the order it appears, so the saved
    transcript reads exactly like the screen did.
    """

    def __init__(
        self,
        transcript: Transcript,
        status: ChatStatus,
        save: Callable[[list[ConversationEntry]], None],
        *,
        fold_edits: bool = False,
        waited_s: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.transcript = transcript
        self.status = status
        self.save = save
        self.fold_edits = fold_edits  # code mode: edit blocks fold to a line, the diff follows
        self.waited_s = waited_s  # time the turn spent waiting for approvals: not its own
        self._answer: StreamingMarkdown | None = None
        self._thinking: ThinkingBlock | None = None
        self.finished: TurnFinished | None = None

    def add(self, entry: ConversationEntry) -> None:
        self.close_streams()
        self.transcript.add_entry(entry)
        self.save([entry])

    def show(self, event: TurnEvent) -> None:
        if isinstance(event, ThinkingText):
            self._think(event.text)
        elif isinstance(event, AnswerText):
            self._answer_text(event.text)
        elif isinstance(event, AttemptStarted):
            self.status.set(model=event.model, think=event.think)
            label = f"{event.model} (think {event.think})" + (f" via {event.endpoint}" if event.endpoint else "")
            if event.attempt == 1:
                self.add(step(label, "dim"))
            else:
                self.add(step(f"attempt {event.attempt}: {label}: {event.reason}", "warn"))
        elif isinstance(event, ContextPrepared):
            self.status.set(context_used=sum(event.sections.values()), num_ctx=event.num_ctx)
        elif isinstance(event, ModelFinished):
            self.close_streams()
            usage = event.usage
            self.status.set(
                answer_tokens=usage.visible_tokens,
                thinking_tokens=usage.thinking_tokens,
                tokens_per_s=usage.tokens_per_s or None,
                tokens_estimated=usage.estimated,
            )
        elif isinstance(event, EditApplied):
            if event.diff:
                self.add(ConversationEntry(kind="diff", text=event.diff, data={"path": event.path}))
            else:
                self.add(step(f"edited {event.path} ({event.step})", "ok"))
        elif isinstance(event, EditRefused):
            self.add(step(f"edit to {event.path} refused: {event.reason}", "fail"))
        elif isinstance(event, FilesRequested):
            state = "added to the chat" if event.added else "not added"
            self.add(step(f"the model asked for {', '.join(event.paths)}: {state}", "info"))
        elif isinstance(event, GateRan):
            self.add(self._gate(event))
        elif isinstance(event, TestsRan):
            lines = [f"tests: {event.status} {event.summary} ({event.duration_s:.1f}s) [{event.command}]"]
            lines += [f"  {f.get('name')}: {f.get('message', '')}" for f in event.failures[:MAX_DIAGNOSTICS]]
            self.add(step("\n".join(lines), "ok" if event.status == "passed" else "fail"))
        elif isinstance(event, RepairRequested):
            self.add(step(f"asking the model to repair: {event.reason}", "warn"))
        elif isinstance(event, ShellSuggested):
            self.add(step("the model suggests: " + "; ".join(event.commands), "info"))
        elif isinstance(event, ShellRan):
            self.add(shell_note(event.command, event.exit_code, event.output))
        elif isinstance(event, UserChangesSaved):
            files = ", ".join(event.files)
            self.add(step(
                f"your uncommitted changes to {files} were committed first ({event.commit[:7]}); "
                "/undo puts them back uncommitted"
            ))
        elif isinstance(event, Committed):
            subject = event.message.splitlines()[0] if event.message else ""
            self.add(step(f"committed {event.commit[:7]}: {subject}", "ok"))
        elif isinstance(event, Notice):
            style = {"info": "info", "warning": "warn", "error": "fail"}[event.level]
            self.add(step(event.message, style))
        elif isinstance(event, TurnFinished):
            self.finished = event
            if event.next_model:  # the rung's model was this turn's, not the user's choice
                self.status.set(model=event.next_model)
            self.add(self._summary(event, self.waited_s()))
            if event.error:
                self.add(step(event.error, "fail"))

    def interrupted(self) -> None:
        self.add(step("interrupted: the stream was closed and nothing was written", "warn"))

    def failed(self, message: str) -> None:
        self.add(step(message, "fail"))

    def close_streams(self) -> None:
        """The open thinking and answer are complete: settle and save them."""
        if self._thinking is not None:
            thinking, self._thinking = self._thinking, None
            thinking.finish()
            thinking.remove_class("-live")
            self.save([ConversationEntry(kind="thinking", text=thinking.text)])
        if self._answer is not None:
            answer, self._answer = self._answer, None
            answer.remove_class("-live")
            text = answer.source
            folded = fold_edit_blocks(text) if self.fold_edits else text
            if folded != text:
                self.transcript.replace(answer, StreamingMarkdown(folded, classes="answer"))
            self.save([ConversationEntry(kind="answer", text=folded)])

    def _think(self, text: str) -> None:
        if self._answer is not None:
            self.close_streams()
        if self._thinking is None:
            self._thinking = ThinkingBlock()
            self._thinking.add_class("-live")
            self.transcript.add(self._thinking)
        self._thinking.write(text)
        self.transcript.note_output()

    def _answer_text(self, text: str) -> None:
        if self._thinking is not None:
            self.close_streams()
        if self._answer is None:
            self._answer = StreamingMarkdown(classes="answer -live")
            self.transcript.add(self._answer)
        self._answer.write(text)
        self.transcript.note_output()

    @staticmethod
    def _gate(event: GateRan) -> ConversationEntry:
        lines = [f"gate {event.gate}: {event.status} {event.summary} ({event.duration_s:.2f}s)"]
        for d in event.diagnostics[:MAX_DIAGNOSTICS]:
            lines.append(f"  {d.get('file')}:{d.get('line')}:{d.get('column')} {d.get('message')}")
        return step("\n".join(lines), _GATE_STYLES.get(event.status, "warn"))

    @staticmethod
    def _summary(event: TurnFinished, waited_s: float = 0.0) -> ConversationEntry:
        parts = [event.outcome.replace("_", " ")]
        if event.files_changed:
            parts.append(", ".join(event.files_changed))
        tokens = f"{event.prompt_tokens} prompt + {event.output_tokens} output tokens"
        if event.thinking_tokens:
            tokens += f" ({event.thinking_tokens} thinking)"
        parts += [tokens, f"{turn_seconds(event, waited_s):.1f}s"]
        if event.cost_usd:
            parts.append(f"${event.cost_usd:.4f}")
        return step(" · ".join(parts), "summary")


def turn_seconds(event: TurnFinished, waited_s: float) -> float:
    """The turn's own time: waiting for the person to approve is not the turn's."""
    return max(event.duration_s - waited_s, 0.0)
