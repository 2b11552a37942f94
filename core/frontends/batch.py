"""`ingle --batch`: run one turn without a screen, printing events as text or NDJSON.

Exit status: 0 success, 1 the turn failed (edits did not apply, gates failed, refused),
2 usage or configuration error, 3 model server unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TextIO

from ingle.core.errors import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE
from ingle.core.agent.approvals import ApprovalRequest, FixedApprover
from ingle.core.agent.best_of import MAX_CANDIDATES
from ingle.core.agent.events import (
    AnswerText,
    AttemptStarted,
    Committed,
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



class TerminalApprover:
    """Asks on the terminal; batch without --yes in an interactive shell."""

    def __init__(self, run_shell: bool) -> None:
        self.run_shell = run_shell

    async def approve(self, request: ApprovalRequest) -> bool:
        if request.kind == "run_shell" and not self.run_shell:
            return False
        if request.detail:
            print(request.detail, file=sys.stderr)
        answer = await asyncio.to_thread(input, f"{request.summary}? [y/N] ")
        return answer.strip().lower() in {"y", "yes"}


def run_batch(args: argparse.Namespace) -> int:
    if not args.message:
        print("ingle: --batch needs -m TEXT (or -m - to read the instruction from stdin)", file=sys.stderr)
        return EXIT_USAGE
    instruction = sys.stdin.read() if args.message == "-" else args.message
    if not instruction.strip():
        print("ingle: the instruction is empty", file=sys.stderr)
        return EXIT_USAGE
    if args.best_of is not None and not 1 <= args.best_of <= MAX_CANDIDATES:
        print(f"ingle: --best-of {args.best_of}: use a number from 1 to {MAX_CANDIDATES}",
              file=sys.stderr)
        return EXIT_USAGE
    interactive = args.message != "-" and sys.stdin.isatty() and sys.stderr.isatty()
    if args.yes or not interactive:
        # Non-interactive without --yes: nothing is applied, the turn says so.
        approver = FixedApprover(
            edits=args.yes, shell=args.run_suggested, add_files=args.yes,
            refusal="no terminal to ask on; pass --yes (nothing was written)",
        )
    else:
        approver = TerminalApprover(run_shell=args.run_suggested)
    return asyncio.run(_run(args, instruction, approver))


async def _run(args: argparse.Namespace, instruction: str, approver) -> int:  # noqa: ANN001
    from ingle.core.config.loader import ConfigError
    from ingle.core.agent.engine import Engine, EngineError

    try:
        engine = Engine.open(Path(args.repo) if args.repo else None, persona=args.persona)
    except (ConfigError, EngineError) as exc:
        print(f"ingle: {exc}", file=sys.stderr)
        return EXIT_USAGE
    printer = JsonPrinter(sys.stdout) if args.json else TextPrinter(sys.stdout)
    try:
        for notice in engine.loaded.notices:
            printer.note(notice)
        if engine.repo is None and not args.no_commit and not args.ask:
            print(
                f"ingle: {engine.root} is not a git repository: run `git init` there first "
                "(so every change can be undone), or pass --no-commit",
                file=sys.stderr,
            )
            return EXIT_USAGE
        try:
            engine.add_files(args.files)
        except EngineError as exc:
            print(f"ingle: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if args.model:
            engine.set_model(args.model)
        gates = args.gates if args.gates in ("auto", "off") else [g for g in args.gates.split(",") if g]
        final: TurnFinished | None = None
        async for event in engine.run_turn(
            instruction, approver, mode="ask" if args.ask else "code", commit=not args.no_commit,
            gates=gates, run_suggested_shell=args.run_suggested, escalate=args.escalate,
            tests=True if args.test else None, best_of=args.best_of,
        ):
            printer.show(event)
            if isinstance(event, TurnFinished):
                final = event
        await _remember(engine, quiet=args.json)
    finally:
        await engine.aclose()
    if final is None:
        return EXIT_FAILED
    if final.outcome == "server_unreachable":
        return EXIT_UNREACHABLE
    if final.outcome == "claude_unavailable":  # --escalate always without Claude: set it up
        return EXIT_USAGE
    return EXIT_OK if final.ok else EXIT_FAILED


async def _remember(engine, quiet: bool) -> None:  # noqa: ANN001 - an Engine
    """The memory write path a session runs once the chat goes quiet: in batch the turn's
    output is all printed first, then extraction runs before the process exits, bounded
    by [memories] extract_timeout_s (best effort: a slow model loses only its memories)."""
    timeout = engine.settings.memories.extract_timeout_s
    try:
        reports = await asyncio.wait_for(engine.memory_writer.flush(), timeout)
    except TimeoutError:
        print(f"ingle: no memories from this turn: extraction took over {timeout:g}s "
              "([memories] extract_timeout_s)", file=sys.stderr)
        return
    added = [m for report in reports for m in report.added]
    if added and not quiet:
        print(f"remembered {len(added)}: " + "; ".join(f"#{m.id} {m.text}" for m in added)
              + " (ingle memory ls)", file=sys.stderr)


class JsonPrinter:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def note(self, text: str) -> None:
        self.show(Notice(level="warning", message=text))

    def show(self, event: TurnEvent) -> None:
        self.out.write(event.model_dump_json() + "\n")
        self.out.flush()


class TextPrinter:
    """Readable output: the answer streams; steps are short lines; thinking is dimmed."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self._in_thinking = False

    def _line(self, text: str) -> None:
        self._end_stream()
        self.out.write(text + "\n")
        self.out.flush()

    def _end_stream(self) -> None:
        if self._in_thinking:
            self.out.write("\033[0m\n" if self.tty else "\n")
            self._in_thinking = False

    def note(self, text: str) -> None:
        self._line(f"note: {text}")

    def show(self, event: TurnEvent) -> None:  # noqa: C901 - one branch per event kind
        if isinstance(event, ThinkingText):
            if not self._in_thinking:
                self.out.write("\033[2m" if self.tty else "[thinking] ")
                self._in_thinking = True
            self.out.write(event.text)
        elif isinstance(event, AnswerText):
            self._end_stream()
            self.out.write(event.text)
        elif isinstance(event, AttemptStarted):
            self._line(f"--- attempt {event.attempt}: {event.model} (think {event.think}) - {event.reason}")
        elif isinstance(event, ModelFinished):
            u = event.usage
            self._line(
                f"\n--- {'~' if u.estimated else ''}{u.prompt_tokens} prompt, {u.visible_tokens} answer, "
                f"{u.thinking_tokens} thinking tokens{' (estimated)' if u.estimated else ''}, "
                f"{u.tokens_per_s:.0f} tok/s"
            )
        elif isinstance(event, EditApplied):
            self._line(f"edit {event.path}: applied ({event.step})")
        elif isinstance(event, EditRefused):
            self._line(f"edit {event.path}: refused: {event.reason}")
        elif isinstance(event, FilesRequested):
            state = "added" if event.added else "not added (pass --yes to allow)"
            self._line(f"files requested by the model: {', '.join(event.paths)}: {state}")
        elif isinstance(event, GateRan):
            self._line(f"gate {event.gate}: {event.status} {event.summary} ({event.duration_s:.2f}s)")
            for d in event.diagnostics[:20]:
                self._line(f"  {d.get('file')}:{d.get('line')}:{d.get('column')} {d.get('message')}")
            for d in event.already_there[:20]:
                self._line(f"  already there: {d.get('file')}:{d.get('line')}:{d.get('column')} "
                           f"{d.get('message')}")
        elif isinstance(event, TestsRan):
            self._line(f"tests: {event.status} {event.summary} ({event.duration_s:.1f}s) [{event.command}]")
            for failure in event.failures[:10]:
                before = " (failed before the change too)" if failure.get("name") in event.failed_before else ""
                self._line(f"  {failure.get('name')}: {failure.get('message', '')}".rstrip(": ") + before)
        elif isinstance(event, RepairRequested):
            self._line(f"--- asking the model to repair: {event.reason}")
        elif isinstance(event, ShellSuggested):
            self._line("suggested commands: " + "; ".join(event.commands))
        elif isinstance(event, ShellRan):
            self._line(f"$ {event.command}  (exit {event.exit_code})\n{event.output}")
        elif isinstance(event, UserChangesSaved):
            self._line(f"saved your uncommitted changes first: {event.commit[:7]} ({', '.join(event.files)}); "
                       "`ingle undo` puts them back uncommitted")
        elif isinstance(event, Committed):
            self._line(f"committed {event.commit[:7]}: {event.message.splitlines()[0]}")
        elif isinstance(event, Notice):
            self._line(f"{event.level}: {event.message}")
        elif isinstance(event, TurnFinished):
            summary = f"done: {event.outcome}"
            if event.files_changed:
                summary += f", changed {', '.join(event.files_changed)}"
            summary += f" in {event.duration_s:.1f}s"
            if event.cost_usd:
                summary += f", ${event.cost_usd:.4f}"
            self._line(summary)
            if event.error:
                self._line(event.error)
