"""One agent turn: prompt, stream, review the reply, apply in memory, verify, then land.

Nothing touches the user's files until every check has passed and the person (or
batch flags) approved: edits are applied to an in-memory candidate, gates see the
candidate through a temporary view, repairs apply on top of the candidate, and
only the final candidate is written atomically and committed. Cancelling the task
that iterates `run_turn` at any `await` therefore leaves the repository untouched.

`run_turn` reads top to bottom: each attempt goes through the phases of `_Turn` in order
(prepare, stream, review_reply, apply, verify, land); a phase that finds a problem marks
the attempt failed and `after_failure` decides between a repair, a climb and the end.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

from ingle.core.agent import best_of, repair_messages
from ingle.core.agent.approvals import ApprovalRequest
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
from ingle.core.agent.landing import land, offer_shell
from ingle.core.agent.turn_report import failure_summary, outcome_events
from ingle.core.agent.turn_types import Attempt, TurnDeps, TurnOptions, TurnState, TurnTotals
from ingle.core.agent.verify_phase import verify_candidate
from ingle.core.backends.calls import chat_request
from ingle.core.backends.errors import BackendError, ModelNotFound, ServerUnreachable
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.types import (
    ChatMessage,
    TextDelta,
    ThinkingDelta,
    Usage,
)
from ingle.core.config.ladder import AttemptBudget
from ingle.core.context.breakdown import overflow_advice
from ingle.core.context.fitting import (
    ContextTools,
    asked_for_hidden_lines,
    attempt_inputs,
    prepare_context,
)
from ingle.core.context.planner import ContextInputs, MapSource
from ingle.core.context.prompt_builder import read_instruction_files
from ingle.core.edits.apply import plan_edits
from ingle.core.edits.parse import parse_reply
from ingle.memory.ledger import tag_calls


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
    attempt's prompt is fitted to its rung's window (core/context)."""
    turn = _Turn(deps, instruction, options or TurnOptions(), history, history_summary)
    async for event in turn.begin(chat_files):
        yield event
    phases = (turn.prepare, turn.stream, turn.review_reply, turn.apply, turn.verify, turn.land)
    while turn.finished is None:
        attempt = turn.next_attempt()
        for phase in phases:
            async for event in phase(attempt):
                yield event
            if turn.finished is not None or attempt.failure or attempt.skipped:
                break
        if turn.finished is None and not attempt.skipped:
            async for event in turn.after_failure(attempt):
                yield event


class _Turn:
    """The state one turn carries across its attempts, and its phases."""

    def __init__(
        self, deps: TurnDeps, instruction: str, options: TurnOptions,
        history: list[ChatMessage], history_summary: str,
    ) -> None:
        self.deps, self.instruction, self.options = deps, instruction, options
        self.history, self.history_summary = history, history_summary
        self.turn_id = uuid.uuid4().hex[:12]
        self.started = time.monotonic()
        self.totals = TurnTotals()
        self.state = TurnState(chat_files=[], originals={}, candidate={})
        self.budget = AttemptBudget(deps.settings.budget, len(deps.rungs))
        self.instructions = read_instruction_files(deps.root, deps.settings.instruction_files)
        self.tools = deps.context or ContextTools.for_store(deps.store)
        self.compacted = False  # history is summarised at most once a turn
        self.pinned: list[str] = []  # windowed files the model asked to see whole
        self.reason = "first attempt"
        self.models_tried: list[str] = []
        self.last_failure: tuple[int, str, str] | None = None  # (rung, verdict, problem)
        self.last_failed: Attempt | None = None
        self.missing: list[str] = []  # models the server does not have, in the order met
        self.finished: TurnFinished | None = None

    def finish(self, ok: bool, outcome: str, **extra: object) -> TurnFinished:
        totals = self.totals
        self.finished = TurnFinished(
            turn_id=self.turn_id, ok=ok, outcome=outcome, prompt_tokens=totals.prompt,
            output_tokens=totals.output, thinking_tokens=totals.thinking,
            cost_usd=round(totals.cost, 6), duration_s=round(time.monotonic() - self.started, 3),
            tokens_estimated=totals.estimated,
            **extra,  # type: ignore[arg-type]
        )
        return self.finished

    async def begin(self, chat_files: list[str]) -> AsyncIterator[TurnEvent]:
        deps = self.deps
        for notice in self.state.load(deps.root, chat_files):
            yield Notice(turn_id=self.turn_id, level="warning", message=notice)
        yield TurnStarted(
            turn_id=self.turn_id, instruction=self.instruction, persona=deps.persona.name,
            mode=self.options.mode, files=list(self.state.chat_files),
        )
        for note in deps.route_notes:
            yield Notice(turn_id=self.turn_id, level="info", message=note)
        if deps.route_stop:
            yield self.finish(False, "claude_unavailable", error=deps.route_stop)

    def next_attempt(self) -> Attempt:
        return Attempt(number=self.budget.start_attempt(), rung=self.deps.rungs[self.budget.rung])

    # -- phase 1: the prompt, fitted to the rung's window --------------------------------

    async def prepare(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        deps, rung = self.deps, attempt.rung
        if rung.model in self.missing and self.budget.skip_rung():
            attempt.skipped = True
            self.reason = f"rung {self.budget.rung} skipped: {rung.model} is not installed"
            yield Notice(turn_id=self.turn_id, level="info", message=self.reason)
            return
        yield AttemptStarted(
            turn_id=self.turn_id, attempt=attempt.number, rung=self.budget.rung + 1,
            endpoint=rung.endpoint or "", model=rung.model, think=rung.think_label(),
            reason=self.reason,
        )
        self.models_tried.append(rung.model + ("" if rung.think in (None, False) else " thinking"))
        prepared = await prepare_context(
            self.tools, deps.settings, deps.backend_for(rung), rung, self._inputs(),
            self._map_source(), allow_compaction=not self.compacted,
        )
        if prepared.compaction is not None:
            self.compacted = True
            self.history, self.history_summary = prepared.history, prepared.history_summary
        self.fitted = fitted = prepared.plan
        yield ContextPrepared(
            turn_id=self.turn_id, num_ctx=fitted.window.num_ctx, sections=fitted.sections,
            decisions=fitted.decisions,
        )
        if fitted.fits:
            return
        self.models_tried.pop()
        needed = f"{rung.model}'s {fitted.window.num_ctx}-token window cannot hold the prompt (~{fitted.tokens} tokens)"
        if self.budget.skip_rung():
            # A rung too small for the prompt is passed over; the climb goes on.
            attempt.skipped = True
            self.reason = f"rung {self.budget.rung} skipped: {needed}"
            yield Notice(turn_id=self.turn_id, level="info", message=self.reason)
        elif self.last_failed is not None:  # the last rung cannot fit: end with what failed before
            yield self._failed(self.last_failed, extra=f"The last rung was skipped: {needed}.")
        else:
            yield self.finish(False, "context_overflow", error=overflow_advice(fitted, deps.settings))

    # -- phase 2: the model's reply, streamed --------------------------------------------

    async def stream(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        if best_of.applies(self.deps.best_of, attempt, self.options):  # N replies, one kept
            async for event in best_of.draw(
                self.deps.best_of, attempt, generate=self._stream_one, deps=self.deps,
                state=self.state, options=self.options, turn_id=self.turn_id,
                instruction=self.instruction, remaining_s=self.budget.remaining_s,
            ):
                yield event
            return
        async for event in self._stream_one(attempt):
            yield event

    async def _stream_one(self, attempt: Attempt, temperature: float | None = None) -> AsyncIterator[TurnEvent]:
        deps, rung, turn_id = self.deps, attempt.rung, self.turn_id
        parts: list[str] = []
        limit = self.budget.remaining_s()
        if deps.rung_timeout_s is not None:
            limit = min(limit, deps.rung_timeout_s)
        request = chat_request(deps.persona, self.fitted.messages, model=rung.model, think=rung.think,
                               temperature=temperature)
        try:
            async with asyncio.timeout(limit):
                async for event in recorded_stream(
                    deps.backend_for(rung), request, deps.store, persona=deps.persona.name,
                    persona_version=deps.persona.label if deps.persona.version_number else None,
                    task_kind=self.options.task_kind or self.options.mode,
                    rung=self.budget.rung + 1, repo=str(deps.root),
                    on_recorded=attempt.call_ids.append,
                ):
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                        yield AnswerText(turn_id=turn_id, text=event.text)
                    elif isinstance(event, ThinkingDelta):
                        yield ThinkingText(turn_id=turn_id, text=event.text)
                    elif isinstance(event, Usage):
                        self.totals.add(event)
                        self.tools.estimators.observe(rung.model, request.messages, event)
                        yield ModelFinished(turn_id=turn_id, usage=event)
        except TimeoutError:
            reason = f"{rung.model} timed out after {limit:.0f}s"
            attempt.fail(repair_messages.timed_out(limit), reason, reason, "timeout")
        except ServerUnreachable as exc:
            yield self.finish(False, "server_unreachable", error=str(exc))
        except BackendError as exc:
            if exc.partial_text and not parts:
                parts.append(exc.partial_text)
            yield Notice(turn_id=turn_id, level="error", message=str(exc))
            if isinstance(exc, ModelNotFound):
                if rung.model not in self.missing:
                    self.missing.append(rung.model)
                attempt.fail(exc.message, exc.message, f"{rung.model} is not installed", "missing")
            else:
                attempt.fail(
                    f"The previous attempt failed: {exc.message}", exc.message, "model error", "error"
                )
        attempt.reply = "".join(parts)

    # -- phase 3: what the reply is: an answer, a file request, edits, or nothing usable --

    async def review_reply(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        deps, state, turn_id = self.deps, self.state, self.turn_id
        if self.options.mode == "ask":
            tag_calls(deps.store, attempt.call_ids, turn_id, "answered")
            yield self.finish(True, "answered")
            return
        # Every repository file is a known path: `deploy` or `my notes.txt` above a block names it.
        known = [*state.chat_files, *(deps.repo.tracked_files() if deps.repo is not None else [])]
        parsed = attempt.parsed = parse_reply(attempt.reply, known)
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
                    message = repair_messages.files_added(wanted)
                    attempt.fail(message, message, "files added", "passed")
                    return
        if parsed.edits:
            return
        asked = asked_for_hidden_lines(
            attempt.reply, parsed.mentioned_paths, [p for p in self.fitted.windowed if p not in self.pinned]
        )
        if asked:
            self.pinned += asked
            message = repair_messages.files_added(asked)
            attempt.fail(message, message, "whole file asked for", "passed")
        elif self.options.question or state.shell_commands:
            # A question answered, or commands offered to run: the reply is the result.
            tag_calls(deps.store, attempt.call_ids, turn_id, "answered")
            async for event in offer_shell(deps, state, turn_id, self.options):
                yield event
            yield self.finish(True, "answered" if self.options.question else "commands_suggested")
        else:
            # A code request answered without an edit is a failed attempt, not an answer.
            warnings = [w.message for w in parsed.warnings]
            failure = repair_messages.no_edit(state.chat_files, warnings)
            problem = "\n".join([failure.splitlines()[0], *warnings])
            attempt.fail(failure, problem, "no edit in the reply", "no_edit")

    # -- phase 4: the edits, applied to the in-memory candidate ---------------------------

    async def apply(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        state, options = self.state, self.options
        assert attempt.parsed is not None
        plan = plan_edits(
            attempt.parsed.edits, dict(state.candidate), self.deps.root,
            allow_new_files=options.allow_new_files, chat_files=set(state.chat_files),
        )
        for event in outcome_events(self.turn_id, plan, state):
            yield event
        if not plan.ok:
            attempt.fail(
                repair_messages.edits_failed(plan.failure_message), plan.failure_message,
                "edits did not apply", "failed_apply",
            )
            return
        state.candidate.update(plan.new_contents)
        state.created |= plan.created
        for rel in plan.new_contents:
            if rel not in state.chat_files:
                state.chat_files.append(rel)

    # -- phase 5: gates and tests judge the candidate -------------------------------------

    async def verify(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        if attempt.verified is not None:  # best-of checked this very candidate already
            async for event in best_of.replay(attempt):
                yield event
            return
        remaining = self.budget.remaining_s()
        async for event in verify_candidate(self.deps, self.state, self.turn_id, attempt, remaining):
            yield event

    # -- phase 6: approval, write, commit -------------------------------------------------

    async def land(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        tag_calls(self.deps.store, attempt.call_ids, self.turn_id, "passed")
        async for event in land(
            self.deps, self.state, self.instruction, self.turn_id, self.options, self.finish
        ):
            yield event

    # -- after a failed attempt: repair, climb or stop -------------------------------------

    async def after_failure(self, attempt: Attempt) -> AsyncIterator[TurnEvent]:
        deps, budget = self.deps, self.budget
        # The same failure twice on one rung (a second reply without an edit, the same
        # SEARCH missing again) will not be repaired by asking a third time: climb.
        # A missing model is not repaired by asking again either.
        this_failure = (budget.rung, attempt.verdict, attempt.problem)
        last = self.last_failure
        repeated = last == this_failure or (
            last is not None and last[:2] == (budget.rung, "no_edit") == this_failure[:2]
        )
        self.last_failure, self.last_failed = this_failure, attempt
        step = budget.after_failure(climb_now=repeated or attempt.verdict == "missing")
        tag_calls(deps.store, attempt.call_ids, self.turn_id, "escalated" if step == "climb" else attempt.verdict)
        if step == "stop":
            yield self._failed(attempt)
            return
        reason = attempt.reason
        if step == "climb":
            reason = f"{reason}; climbing to rung {budget.rung + 1}"
            if repeated:
                reason = f"{reason} (the same failure twice)"
        if attempt.verdict == "missing":  # nothing to repair: the next rung gets the instruction
            self.reason = reason
            yield Notice(turn_id=self.turn_id, level="warning", message=reason)
            return
        self.reason = reason
        self.state.exchange += [
            ChatMessage(role="assistant", content=attempt.reply or "(no reply)"),
            ChatMessage(role="user", content=attempt.failure),
        ]
        yield RepairRequested(turn_id=self.turn_id, reason=reason, message=attempt.failure)

    def _failed(self, attempt: Attempt, extra: str = "") -> TurnFinished:
        """The end of a turn that never passed: a summary for the person."""
        outcome = {
            "failed_gate": "gates_failed", "failed_apply": "edits_failed",
            "failed_tests": "tests_failed", "no_edit": "no_edit", "missing": "model_error",
        }.get(
            attempt.verdict,
            "timeout" if self.budget.expired() or attempt.verdict == "timeout" else "model_error",
        )
        notes = [extra] if extra else []
        if self.missing:
            own = self.deps.persona.model_ref.model
            models = sorted(self.missing, key=lambda m: m != own)  # the persona's own first
            notes.append(
                "Not installed: " + ", ".join(models) + ". Pull them: "
                + "; ".join(f"ollama pull {m}" for m in models)
            )
        if self.deps.claude_withheld:
            notes.append(f"Claude was not tried: {self.deps.claude_withheld}.")
        return self.finish(
            False, outcome,
            error=failure_summary(outcome, attempt.problem, self.models_tried, "\n".join(notes)),
        )

    # -- inputs -------------------------------------------------------------------------

    def _inputs(self) -> ContextInputs:
        deps, state = self.deps, self.state
        return attempt_inputs(
            system_prompt=deps.persona.system_prompt(),
            examples=deps.persona.example_pairs() if deps.examples is None else deps.examples,
            instructions=dict(self.instructions),
            files={p: state.candidate[p] for p in state.chat_files if p in state.candidate},
            originals=state.originals, history=list(self.history),
            history_summary=self.history_summary, instruction=self.instruction,
            exchange=state.exchange, pinned=list(self.pinned), extras=deps.context_extras,
        )

    def _map_source(self) -> MapSource | None:
        """The repo map at a token budget (code mode only), for the planner's worker thread."""
        if self.deps.repo_map is None or self.options.mode != "code":
            return None
        mapper, files, instruction = self.deps.repo_map, set(self.state.chat_files), self.instruction
        return lambda budget: mapper(files, instruction, budget)


