"""One agent turn: prompt, stream, parse, apply in memory, gate, then write and commit.

Nothing touches the user's files until every check has passed and the person (or
batch flags) approved: edits are applied to an in-memory candidate, gates see the
candidate through a temporary view, repairs apply on top of the candidate, and
only the final candidate is written atomically and committed. Cancelling the task
that iterates `run_turn` at any `await` therefore leaves the repository untouched.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from core.approvals import ApprovalRequest, Approver
from core.attempts import AttemptBudget, Rung
from core.backends.base import ModelBackend
from core.backends.errors import BackendError, ModelNotFound, ServerUnreachable
from core.backends.recorded import recorded_stream
from core.backends.types import (
    ChatMessage,
    ChatRequest,
    SamplingOptions,
    TextDelta,
    ThinkingDelta,
    Usage,
)
from core.config.settings import Settings
from core.context.breakdown import overflow_advice
from core.context.fitting import (
    ContextTools,
    asked_for_hidden_lines,
    attempt_inputs,
    prepare_context,
)
from core.context.planner import ContextInputs, MapSource
from core.diffs import unified_diff
from core.edits.apply import plan_edits
from core.edits.models import EditPlan, ParsedReply
from core.edits.parse import parse_reply
from core.edits.writing import WriteFailed, write_atomically
from core.events import (
    AnswerText,
    AttemptStarted,
    Committed,
    ContextPrepared,
    EditApplied,
    EditRefused,
    FilesRequested,
    GateRan,
    TestsRan,
    ModelFinished,
    Notice,
    RepairRequested,
    ShellRan,
    ShellSuggested,
    ThinkingText,
    TurnEvent,
    TurnFinished,
    TurnStarted,
    UserChangesSaved,
)
from core.prompt_builder import read_instruction_files
from core import repair_messages
from core.shell import run_shell_command
from core.edits.paths import normalise
from core.vcs import GitOperationError, IngleRepo, fallback_commit_message
from memory.ledger import tag_calls
from memory.store import Store
from personas.resolved import ResolvedPersona
from validators.results import GateResult, GateStatus

if TYPE_CHECKING:
    from core.test_runs.models import TestRunResult

TurnMode = Literal["code", "ask"]
# changed files (repo-relative -> candidate text) -> the result of each applicable gate
GateCheck = Callable[[dict[str, str]], AsyncIterator[GateResult]]
# changed files -> the repository's tests run on the candidate (None: no test command)
TestCheck = Callable[[dict[str, str], float], Awaitable["TestRunResult | None"]]
# (chat files, instruction, token budget) -> repo map text; called from a worker thread
RepoMapper = Callable[[set[str], str, int], str]
CommitMessager = Callable[[str, list[str], str], Awaitable[str]]


@dataclass
class TurnDeps:
    """What a turn needs from the engine; tests build it with real parts and fakes."""

    settings: Settings
    store: Store
    root: Path
    repo: IngleRepo | None
    persona: ResolvedPersona
    backend_for: Callable[[Rung], ModelBackend]
    approver: Approver
    rungs: list[Rung]
    gates: GateCheck | None = None
    repo_map: RepoMapper | None = None
    commit_message: CommitMessager | None = None
    required_gates: tuple[str, ...] = ()
    tests: TestCheck | None = None  # the test gate, when on
    rung_timeout_s: float | None = None
    # Why Claude is not on the ladder (no key, cap reached, local-only), for the final message.
    claude_withheld: str = ""
    route_notes: list[str] = field(default_factory=list)  # the router's decisions
    # Token estimators, tree-sitter grammars and the history compactor (None: from `store`,
    # without compaction: older turns are left out when they do not fit).
    context: ContextTools | None = None


@dataclass
class TurnOptions:
    mode: TurnMode = "code"
    task_kind: str | None = None  # for the ledger: code, architecture, ... (default: mode)
    commit: bool = True
    allow_new_files: bool = True
    run_suggested_shell: bool = True  # still subject to approval


@dataclass
class _Totals:
    prompt: int = 0
    output: int = 0
    thinking: int = 0
    cost: float = 0.0

    def add(self, usage: Usage) -> None:
        self.prompt += usage.prompt_tokens
        self.output += usage.output_tokens
        self.thinking += usage.thinking_tokens
        self.cost += usage.cost_usd or 0.0


@dataclass
class _TurnState:
    chat_files: list[str]
    originals: dict[str, str]  # file -> text on disk at the start (absent: new file)
    candidate: dict[str, str]  # file -> text with every applied edit so far
    created: set[str] = field(default_factory=set)
    exchange: list[ChatMessage] = field(default_factory=list)  # this turn's replies + repairs
    shell_commands: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, str]:
        return {p: t for p, t in self.candidate.items() if self.originals.get(p) != t}


def read_text_file(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


async def run_turn(
    deps: TurnDeps,
    instruction: str,
    chat_files: list[str],
    history: list[ChatMessage],
    options: TurnOptions | None = None,
    history_summary: str = "",
) -> AsyncIterator[TurnEvent]:
    """Run one turn, yielding events. Files the model asked for and the person allowed
    are announced in FilesRequested events (the caller adds them to its chat). Every
    attempt's prompt is fitted to its rung's window (core/context); one that cannot fit
    ends the turn as `context_overflow` before any model call."""
    options = options or TurnOptions()
    turn_id = uuid.uuid4().hex[:12]
    started = time.monotonic()
    totals = _Totals()

    def finish(ok: bool, outcome: str, **extra: object) -> TurnFinished:
        return TurnFinished(
            turn_id=turn_id, ok=ok, outcome=outcome, prompt_tokens=totals.prompt,
            output_tokens=totals.output, thinking_tokens=totals.thinking,
            cost_usd=round(totals.cost, 6), duration_s=round(time.monotonic() - started, 3),
            **extra,  # type: ignore[arg-type]
        )

    state = _TurnState(chat_files=[], originals={}, candidate={})
    for notice in _load_files(deps.root, state, chat_files):
        yield Notice(turn_id=turn_id, level="warning", message=notice)
    yield TurnStarted(
        turn_id=turn_id, instruction=instruction, persona=deps.persona.name,
        mode=options.mode, files=list(state.chat_files),
    )
    for note in deps.route_notes:
        yield Notice(turn_id=turn_id, level="info", message=note)
    budget = AttemptBudget(deps.settings.budget, len(deps.rungs))
    instructions = read_instruction_files(deps.root, deps.settings.instruction_files)
    tools = deps.context or ContextTools.for_store(deps.store)
    compacted = False  # history is summarised at most once a turn
    pinned: list[str] = []  # windowed files the model asked to see whole
    reason = "first attempt"
    while True:
        rung = deps.rungs[budget.rung]
        attempt = budget.start_attempt()
        yield AttemptStarted(
            turn_id=turn_id, attempt=attempt, rung=budget.rung + 1, endpoint=rung.endpoint or "",
            model=rung.model, think=rung.think_label(), reason=reason,
        )
        prepared = await prepare_context(
            tools, deps.settings, deps.backend_for(rung), rung,
            _inputs(deps, state, instruction, history, history_summary, instructions, pinned),
            _map_source(deps, state, instruction, options), allow_compaction=not compacted,
        )
        if prepared.compaction is not None:
            compacted = True
            history, history_summary = prepared.history, prepared.history_summary
        fitted = prepared.plan
        yield ContextPrepared(
            turn_id=turn_id, num_ctx=fitted.window.num_ctx, sections=fitted.sections,
            decisions=fitted.decisions,
        )
        if not fitted.fits:
            yield finish(False, "context_overflow", error=overflow_advice(fitted, deps.settings))
            return

        reply_parts: list[str] = []
        failure = ""
        verdict = "passed"
        call_ids: list[int] = []
        limit = budget.remaining_s()
        if deps.rung_timeout_s is not None:
            limit = min(limit, deps.rung_timeout_s)
        request = ChatRequest(
            model=rung.model, messages=fitted.messages,
            options=_sampling(deps.persona), think=rung.think,
        )
        try:
            async with asyncio.timeout(limit):
                async for event in recorded_stream(
                    deps.backend_for(rung), request, deps.store, persona=deps.persona.name,
                    task_kind=options.task_kind or options.mode, rung=budget.rung + 1,
                    repo=str(deps.root), on_recorded=call_ids.append,
                ):
                    if isinstance(event, TextDelta):
                        reply_parts.append(event.text)
                        yield AnswerText(turn_id=turn_id, text=event.text)
                    elif isinstance(event, ThinkingDelta):
                        yield ThinkingText(turn_id=turn_id, text=event.text)
                    elif isinstance(event, Usage):
                        totals.add(event)
                        tools.estimators.observe(rung.model, request.messages, event)
                        yield ModelFinished(turn_id=turn_id, usage=event)
        except TimeoutError:
            failure = repair_messages.timed_out(limit)
            reason, verdict = f"{rung.model} timed out after {limit:.0f}s", "timeout"
        except ServerUnreachable as exc:
            yield finish(False, "server_unreachable", error=str(exc))
            return
        except BackendError as exc:
            if exc.partial_text and not reply_parts:
                reply_parts.append(exc.partial_text)
            yield Notice(turn_id=turn_id, level="error", message=str(exc))
            failure = f"The previous attempt failed: {exc.message}"
            reason = "model missing" if isinstance(exc, ModelNotFound) else "model error"
            verdict = "error"
        reply = "".join(reply_parts)

        if not failure and options.mode == "ask":
            tag_calls(deps.store, call_ids, turn_id, "answered")
            yield finish(True, "answered")
            return
        plan: EditPlan | None = None
        if not failure:
            parsed = parse_reply(reply)
            state.shell_commands = list(parsed.shell_commands)
            wanted = _files_wanted(deps.root, state, parsed)
            if wanted:
                allowed = await deps.approver.approve(
                    ApprovalRequest(
                        kind="add_files", summary=f"add {len(wanted)} file(s) the model asked for",
                        detail="\n".join(wanted),
                    )
                )
                yield FilesRequested(turn_id=turn_id, paths=wanted, added=allowed)
                if allowed:
                    for notice in _load_files(deps.root, state, wanted):
                        yield Notice(turn_id=turn_id, level="warning", message=notice)
                    if not parsed.edits:
                        failure, reason = repair_messages.files_added(wanted), "files added"
            asked = [] if parsed.edits or failure else asked_for_hidden_lines(
                reply, parsed.mentioned_paths, [p for p in fitted.windowed if p not in pinned]
            )
            if asked:
                pinned += asked
                failure, reason = repair_messages.files_added(asked), "whole file asked for"
            if not failure and not parsed.edits:
                tag_calls(deps.store, call_ids, turn_id, "answered")
                async for event in _offer_shell(deps, state, turn_id, options):
                    yield event
                yield finish(True, "answered")
                return
        if not failure:
            plan = plan_edits(
                parsed.edits, dict(state.candidate), deps.root,
                allow_new_files=options.allow_new_files, chat_files=set(state.chat_files),
            )
            for event in _outcome_events(turn_id, plan, state):
                yield event
            if not plan.ok:
                failure, reason = repair_messages.edits_failed(plan.failure_message), "edits did not apply"
                verdict = "failed_apply"
        if not failure and plan is not None:
            state.candidate.update(plan.new_contents)
            state.created |= plan.created
            for rel in plan.new_contents:
                if rel not in state.chat_files:
                    state.chat_files.append(rel)
            if deps.gates is not None and state.changed():
                blocking: list[GateResult] = []
                async for result in deps.gates(state.changed()):
                    yield _gate_event(turn_id, result)
                    if result.status == GateStatus.FAILED or (
                        result.status == GateStatus.COULD_NOT_RUN and result.gate in deps.required_gates
                    ):
                        blocking.append(result)
                if blocking:
                    failure = repair_messages.gates_failed(blocking, sorted(state.changed()))
                    reason = "gate " + ", ".join(r.gate for r in blocking) + " failed"
                    verdict = "failed_gate"
        if not failure and deps.tests is not None and state.changed():
            tested = await deps.tests(state.changed(), budget.remaining_s())
            if tested is not None:
                yield _tests_event(turn_id, tested)
                if tested.status.value in ("failed", "error", "timed_out"):
                    failure = repair_messages.tests_failed(tested.summary_for_model, sorted(state.changed()))
                    reason, verdict = f"tests {tested.status.value}", "failed_tests"
        if not failure:
            tag_calls(deps.store, call_ids, turn_id, "passed")
            async for event in _land(deps, state, instruction, turn_id, options, finish):
                yield event
            return

        step = budget.after_failure()
        tag_calls(deps.store, call_ids, turn_id, "escalated" if step == "climb" else verdict)
        if step == "stop":
            outcome = {
                "failed_gate": "gates_failed", "failed_apply": "edits_failed",
                "failed_tests": "tests_failed",
            }.get(
                verdict, "timeout" if budget.expired() or verdict == "timeout" else "model_error"
            )
            if deps.claude_withheld:
                failure += f"\n\nClaude was not tried: {deps.claude_withheld}."
            yield finish(False, outcome, error=failure)
            return
        if step == "climb":
            reason = f"{reason}; climbing to rung {budget.rung + 1}"
        state.exchange += [
            ChatMessage(role="assistant", content=reply or "(no reply)"),
            ChatMessage(role="user", content=failure),
        ]
        yield RepairRequested(turn_id=turn_id, reason=reason, message=failure)


def _load_files(root: Path, state: _TurnState, paths: list[str]) -> list[str]:
    """Read files into the turn; returns notices for any that cannot be used."""
    notices = []
    for rel in paths:
        if rel in state.chat_files:
            continue
        path = root / rel
        text = read_text_file(path)
        if text is None and path.exists():
            notices.append(f"{rel} is not UTF-8 text; left out of the chat")
            continue
        state.chat_files.append(rel)
        if text is not None:
            state.originals[rel] = state.candidate[rel] = text
    return notices


def _files_wanted(root: Path, state: _TurnState, parsed: ParsedReply) -> list[str]:
    """Existing repository files the reply edits or names that are not in the chat."""
    wanted: list[str] = []
    names = [e.path for e in parsed.edits] or parsed.mentioned_paths
    for raw in names:
        rel = normalise(raw).path
        if rel is None or rel in state.chat_files or rel in wanted:
            continue
        path = root / rel
        try:
            inside = path.resolve().is_relative_to(root.resolve())
        except OSError:
            inside = False
        if inside and path.is_file() and ".git" not in Path(rel).parts:
            wanted.append(rel)
    return wanted


def _inputs(
    deps: TurnDeps,
    state: _TurnState,
    instruction: str,
    history: list[ChatMessage],
    summary: str,
    instructions: Mapping[str, str],
    pinned: list[str],
) -> ContextInputs:
    return attempt_inputs(
        system_prompt=deps.persona.system_prompt(), examples=deps.persona.example_pairs(),
        instructions=dict(instructions),
        files={p: state.candidate[p] for p in state.chat_files if p in state.candidate},
        originals=state.originals, history=list(history), history_summary=summary,
        instruction=instruction, exchange=state.exchange, pinned=list(pinned),
    )


def _map_source(
    deps: TurnDeps, state: _TurnState, instruction: str, options: TurnOptions
) -> MapSource | None:
    """The repo map at a token budget (code mode only), for the planner's worker thread."""
    if deps.repo_map is None or options.mode != "code":
        return None
    mapper, files = deps.repo_map, set(state.chat_files)
    return lambda budget: mapper(files, instruction, budget)


def _outcome_events(turn_id: str, plan: EditPlan, state: _TurnState) -> list[TurnEvent]:
    events: list[TurnEvent] = []
    for outcome in plan.outcomes:
        if outcome.applied and outcome.file:
            before = state.candidate.get(outcome.file, "")
            after = plan.new_contents.get(outcome.file, before)
            events.append(
                EditApplied(
                    turn_id=turn_id, path=outcome.file, step=outcome.step or "exact",
                    diff=unified_diff(outcome.file, before, after),
                )
            )
        elif not outcome.applied:
            events.append(EditRefused(turn_id=turn_id, path=outcome.path, reason=outcome.reason))
    return events


def _tests_event(turn_id: str, result: TestRunResult) -> TestsRan:
    summary = result.summary_line or result.detail or result.status.value
    if result.status.value == "could_not_run" and result.install_hint:
        summary = f"{summary} ({result.install_hint})"
    return TestsRan(
        turn_id=turn_id, status=result.status.value, command=result.command_line, summary=summary,
        failures=[f.model_dump(mode="json") for f in result.failures],
        duration_s=result.duration_s,
    )


def _gate_event(turn_id: str, result: GateResult) -> GateRan:
    if result.status == GateStatus.FAILED:
        summary = f"{len(result.errors)} error(s)"
    elif result.status == GateStatus.COULD_NOT_RUN:
        summary = f"could not run: {result.detail} {result.install_hint}".strip()
    else:
        summary = result.detail or result.status.value
    return GateRan(
        turn_id=turn_id, gate=result.gate, status=result.status.value, summary=summary,
        diagnostics=[d.model_dump(mode="json") for d in result.diagnostics],
        duration_s=result.duration_s,
    )


async def _land(deps, state, instruction, turn_id, options, finish):  # noqa: ANN001, ANN202
    """Approve, protect the user's work, write atomically, commit, then offer commands."""
    changed = state.changed()
    paths = sorted(changed)
    if not changed:
        yield Notice(turn_id=turn_id, message="the edits left every file as it was")
        yield finish(True, "answered")
        return
    diff = "\n".join(unified_diff(p, state.originals.get(p, ""), changed[p]) for p in paths)
    if not await deps.approver.approve(
        ApprovalRequest(kind="apply_edits", summary=f"apply edits to {len(paths)} file(s)", detail=diff)
    ):
        yield finish(False, "refused", error="the edits were not approved; nothing was written")
        return
    # The user may have saved a file while the model was answering: never overwrite that.
    for rel in paths:
        if read_text_file(deps.root / rel) != state.originals.get(rel):
            yield finish(
                False, "refused",
                error=f"{rel} changed on disk during the turn; nothing was written. Ask again.",
            )
            return
    commit = options.commit and deps.repo is not None
    message = ""
    if commit:
        try:
            ignored = deps.repo.ignored_files(paths)
            if ignored:
                raise GitOperationError(
                    f"git ignores {', '.join(sorted(ignored))}, so the edit could not be committed "
                    "or undone", "un-ignore the file or use --no-commit",
                )
            saved = deps.repo.protect_user_changes(paths, deps.settings.git.dirty_files)
        except GitOperationError as exc:
            yield finish(False, "refused", error=str(exc))
            return
        if saved is not None:
            yield UserChangesSaved(turn_id=turn_id, commit=saved.sha, files=saved.files)
        message = await _commit_message(deps, instruction, paths, diff)
    try:
        write_atomically(deps.root, changed)
    except WriteFailed as exc:  # every file is back as it was: say so and stop
        yield finish(False, "refused", error=f"{exc}\nNothing was written.")
        return
    commit_sha = None
    if commit:
        try:
            info = deps.repo.commit_ingle_change(paths, message, state.created, turn_id)
        except GitOperationError as exc:
            yield Notice(turn_id=turn_id, level="error", message=f"written but not committed: {exc}")
        else:
            commit_sha = info.sha
            yield Committed(turn_id=turn_id, commit=info.sha, message=message, files=info.files)
    async for event in _offer_shell(deps, state, turn_id, options):
        yield event
    yield finish(True, "committed" if commit_sha else "applied", files_changed=paths, commit=commit_sha)


def _sampling(persona: ResolvedPersona) -> SamplingOptions:
    sampling = persona.sampling()
    return SamplingOptions(temperature=sampling.temperature, top_p=sampling.top_p, stop=sampling.stop)


async def _commit_message(deps: TurnDeps, instruction: str, paths: list[str], diff: str) -> str:
    if deps.commit_message is not None:
        try:
            message = await deps.commit_message(instruction, paths, diff)
        except (BackendError, TimeoutError, ValueError):
            message = ""
        if message.strip():
            return message
    return fallback_commit_message(instruction, paths)


async def _offer_shell(deps, state, turn_id, options):  # noqa: ANN001, ANN202
    if not state.shell_commands:
        return
    yield ShellSuggested(turn_id=turn_id, commands=list(state.shell_commands))
    if not options.run_suggested_shell:
        return
    for command in state.shell_commands:
        if await deps.approver.approve(
            ApprovalRequest(kind="run_shell", summary=f"run `{command.splitlines()[0]}`", detail=command)
        ):
            result = await run_shell_command(command, deps.root)
            yield ShellRan(turn_id=turn_id, command=command, exit_code=result.exit_code, output=result.output)
