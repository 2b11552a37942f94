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
from collections.abc import AsyncIterator, Mapping

from ingle.core.agent import repair_messages
from ingle.core.agent.approvals import ApprovalRequest
from ingle.core.config.ladder import AttemptBudget
from ingle.core.backends.errors import BackendError, ModelNotFound, ServerUnreachable
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.types import (
    ChatMessage,
    ChatRequest,
    SamplingOptions,
    TextDelta,
    ThinkingDelta,
    Usage,
)
from ingle.core.context.breakdown import overflow_advice
from ingle.core.context.fitting import (
    ContextTools,
    asked_for_hidden_lines,
    attempt_inputs,
    prepare_context,
)
from ingle.core.context.planner import ContextInputs, MapSource
from ingle.core.edits.apply import plan_edits
from ingle.core.edits.models import EditPlan
from ingle.core.edits.parse import parse_reply
from ingle.core.agent.events import (
    AnswerText,
    AttemptStarted,
    ContextPrepared,
    FilesRequested,
    ModelFinished,
    Notice,
    RepairRequested,
    ThinkingText,
    TurnEvent,
    TurnFinished,
    TurnStarted,
)
from ingle.core.context.prompt_builder import read_instruction_files
from ingle.core.agent.landing import land, offer_shell
from ingle.core.agent.turn_report import (
    failure_summary,
    gate_event,
    gate_problem,
    outcome_events,
    tests_event,
)
from ingle.core.agent.turn_types import TurnDeps, TurnOptions, TurnState, TurnTotals
from ingle.memory.ledger import tag_calls
from ingle.personas.resolved import ResolvedPersona
from ingle.validators.results import GateResult, GateStatus

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
    totals = TurnTotals()

    def finish(ok: bool, outcome: str, **extra: object) -> TurnFinished:
        return TurnFinished(
            turn_id=turn_id, ok=ok, outcome=outcome, prompt_tokens=totals.prompt,
            output_tokens=totals.output, thinking_tokens=totals.thinking,
            cost_usd=round(totals.cost, 6), duration_s=round(time.monotonic() - started, 3),
            **extra,  # type: ignore[arg-type]
        )

    state = TurnState(chat_files=[], originals={}, candidate={})
    for notice in state.load(deps.root, chat_files):
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
    models_tried: list[str] = []
    last_failure: tuple[int, str, str] | None = None  # (rung, verdict, what failed)
    while True:
        rung = deps.rungs[budget.rung]
        attempt = budget.start_attempt()
        yield AttemptStarted(
            turn_id=turn_id, attempt=attempt, rung=budget.rung + 1, endpoint=rung.endpoint or "",
            model=rung.model, think=rung.think_label(), reason=reason,
        )
        models_tried.append(rung.model + ("" if rung.think in (None, False) else " thinking"))
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
        failure = ""  # for the model: the repair prompt
        problem = ""  # for the person: what went wrong, in the tool's words
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
            problem = reason
        except ServerUnreachable as exc:
            yield finish(False, "server_unreachable", error=str(exc))
            return
        except BackendError as exc:
            if exc.partial_text and not reply_parts:
                reply_parts.append(exc.partial_text)
            yield Notice(turn_id=turn_id, level="error", message=str(exc))
            failure = f"The previous attempt failed: {exc.message}"
            problem = exc.message
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
            wanted = state.files_wanted(deps.root, parsed)
            if wanted:
                allowed = await deps.approver.approve(
                    ApprovalRequest(
                        kind="add_files", summary=f"add {len(wanted)} file(s) the model asked for",
                        detail="\n".join(wanted),
                    )
                )
                yield FilesRequested(turn_id=turn_id, paths=wanted, added=allowed)
                if allowed:
                    for notice in state.load(deps.root, wanted):
                        yield Notice(turn_id=turn_id, level="warning", message=notice)
                    if not parsed.edits:
                        failure, reason = repair_messages.files_added(wanted), "files added"
            asked = [] if parsed.edits or failure else asked_for_hidden_lines(
                reply, parsed.mentioned_paths, [p for p in fitted.windowed if p not in pinned]
            )
            if asked:
                pinned += asked
                failure, reason = repair_messages.files_added(asked), "whole file asked for"
            if not failure and not parsed.edits and (options.question or state.shell_commands):
                # A question answered, or commands offered to run: the reply is the result.
                tag_calls(deps.store, call_ids, turn_id, "answered")
                async for event in offer_shell(deps, state, turn_id, options):
                    yield event
                yield finish(True, "answered" if options.question else "commands_suggested")
                return
            if not failure and not parsed.edits:
                # A code request answered without an edit is a failed attempt, not an answer.
                warnings = [w.message for w in parsed.warnings]
                failure = repair_messages.no_edit(state.chat_files, warnings)
                problem = "\n".join([failure.splitlines()[0], *warnings])
                reason, verdict = "no edit in the reply", "no_edit"
        if not failure:
            plan = plan_edits(
                parsed.edits, dict(state.candidate), deps.root,
                allow_new_files=options.allow_new_files, chat_files=set(state.chat_files),
            )
            for event in outcome_events(turn_id, plan, state):
                yield event
            if not plan.ok:
                failure, reason = repair_messages.edits_failed(plan.failure_message), "edits did not apply"
                verdict, problem = "failed_apply", plan.failure_message
        if not failure and plan is not None:
            state.candidate.update(plan.new_contents)
            state.created |= plan.created
            for rel in plan.new_contents:
                if rel not in state.chat_files:
                    state.chat_files.append(rel)
            if deps.gates is not None and state.changed():
                blocking: list[GateResult] = []
                async for result in deps.gates(state.changed()):
                    yield gate_event(turn_id, result)
                    if result.status == GateStatus.FAILED or (
                        result.status == GateStatus.COULD_NOT_RUN and result.gate in deps.required_gates
                    ):
                        blocking.append(result)
                if blocking:
                    failure = repair_messages.gates_failed(blocking, sorted(state.changed()))
                    reason = "gate " + ", ".join(r.gate for r in blocking) + " failed"
                    verdict, problem = "failed_gate", gate_problem(blocking)
        if not failure and deps.tests is not None and state.changed():
            tested = await deps.tests(state.changed(), budget.remaining_s())
            if tested is not None:
                yield tests_event(turn_id, tested)
                if tested.status.value in ("failed", "error", "timed_out"):
                    failure = repair_messages.tests_failed(tested.summary_for_model, sorted(state.changed()))
                    reason, verdict = f"tests {tested.status.value}", "failed_tests"
                    problem = tested.summary_line or tested.summary_for_model
        if not failure:
            tag_calls(deps.store, call_ids, turn_id, "passed")
            async for event in land(deps, state, instruction, turn_id, options, finish):
                yield event
            return

        # The same failure twice on one rung (a second reply without an edit, the same
        # SEARCH missing again) will not be repaired by asking a third time: climb.
        this_failure = (budget.rung, verdict, problem)
        repeated = last_failure == this_failure or (
            last_failure is not None and last_failure[:2] == (budget.rung, "no_edit") == this_failure[:2]
        )
        last_failure = this_failure
        step = budget.after_failure(climb_now=repeated)
        tag_calls(deps.store, call_ids, turn_id, "escalated" if step == "climb" else verdict)
        if step == "stop":
            outcome = {
                "failed_gate": "gates_failed", "failed_apply": "edits_failed",
                "failed_tests": "tests_failed", "no_edit": "no_edit",
            }.get(
                verdict, "timeout" if budget.expired() or verdict == "timeout" else "model_error"
            )
            withheld = f"Claude was not tried: {deps.claude_withheld}." if deps.claude_withheld else ""
            yield finish(False, outcome, error=failure_summary(outcome, problem, models_tried, withheld))
            return
        if step == "climb":
            reason = f"{reason}; climbing to rung {budget.rung + 1}"
            if repeated:
                reason = f"{reason} (the same failure twice)"
        state.exchange += [
            ChatMessage(role="assistant", content=reply or "(no reply)"),
            ChatMessage(role="user", content=failure),
        ]
        yield RepairRequested(turn_id=turn_id, reason=reason, message=failure)


def _inputs(
    deps: TurnDeps,
    state: TurnState,
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
    deps: TurnDeps, state: TurnState, instruction: str, options: TurnOptions
) -> MapSource | None:
    """The repo map at a token budget (code mode only), for the planner's worker thread."""
    if deps.repo_map is None or options.mode != "code":
        return None
    mapper, files = deps.repo_map, set(state.chat_files)
    return lambda budget: mapper(files, instruction, budget)


def _sampling(persona: ResolvedPersona) -> SamplingOptions:
    sampling = persona.sampling()
    return SamplingOptions(temperature=sampling.temperature, top_p=sampling.top_p, stop=sampling.stop)


