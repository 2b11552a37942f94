"""Events that report a turn's steps: edits applied or refused, gates, tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.edits.diffs import unified_diff
from ingle.core.edits.models import EditPlan
from ingle.core.agent.events import EditApplied, EditRefused, GateRan, TestsRan, TurnEvent
from ingle.core.agent.turn_types import TurnState
from ingle.validators.results import GateResult, GateStatus

if TYPE_CHECKING:
    from ingle.core.agent.gating import JudgedGate
    from ingle.core.agent.test_gate import JudgedTests
    from ingle.core.test_runs.models import TestRunResult

# What a failed turn tells the person (the repair prompts are for the model).
_HEADLINES = {
    "no_edit": "The model replied without an edit",
    "edits_failed": "The model's edits did not apply",
    "gates_failed": "The edited code failed its checks",
    "tests_failed": "The edited code failed the repository's tests",
    "timeout": "The turn ran out of time",
    "model_error": "The model could not answer",
}
_TRY = {
    "no_edit": "say which file and function to change, or use a larger model "
    "(--model NAME, or --escalate always with ANTHROPIC_API_KEY set)",
    "edits_failed": "name the function to change, add the files it needs, or use a larger model "
    "(--model NAME)",
    "gates_failed": "read the errors above, narrow the request, or run with --gates off to keep "
    "an edit the checks dislike",
    "tests_failed": "read the failures above, or narrow the request",
    "timeout": "a smaller request, or a faster model (--model NAME)",
    "model_error": "`ingle doctor` checks the model server and the installed models",
}
_MAX_PROBLEM_LINES = 15


def failure_summary(outcome: str, problem: str, models: list[str], extra: str = "") -> str:
    """What failed, what was written (nothing), what to try: for the person."""
    tried = ", ".join(dict.fromkeys(models)) or "no model"
    attempts = f"{len(models)} attempt{'s' if len(models) != 1 else ''}"
    lines = [f"{_HEADLINES.get(outcome, 'The turn failed')} after {attempts} ({tried}). "
             "Nothing was written."]
    detail = [line for line in problem.strip().splitlines() if line.strip()]
    if detail:
        lines.append("What failed:")
        lines += [f"  {line}" for line in detail[:_MAX_PROBLEM_LINES]]
        if len(detail) > _MAX_PROBLEM_LINES:
            lines.append(f"  ... and {len(detail) - _MAX_PROBLEM_LINES} more lines")
    if extra:
        lines.append(extra)
    lines.append(f"Try: {_TRY.get(outcome, 'ask again with more detail')}.")
    return "\n".join(lines)


def outcome_events(turn_id: str, plan: EditPlan, state: TurnState) -> list[TurnEvent]:
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


def tests_event(turn_id: str, judged: JudgedTests | TestRunResult) -> TestsRan:
    """A test run as an event; a plain run (`/test` on the repository) judges nothing."""
    from ingle.core.agent.test_gate import JudgedTests

    if not isinstance(judged, JudgedTests):
        judged = JudgedTests(result=judged)
    result = judged.result
    summary = result.summary_line or result.detail or result.status.value
    if result.status.value == "could_not_run" and result.install_hint:
        summary = f"{summary} ({result.install_hint})"
    if judged.failed_before and not judged.blocking:
        summary = f"{summary}; every failure failed before the change too"
    return TestsRan(
        turn_id=turn_id, status=result.status.value, command=result.command_line, summary=summary,
        failures=[f.model_dump(mode="json") for f in result.failures],
        duration_s=result.duration_s, failed_before=list(judged.failed_before),
        blocking=judged.blocking,
    )


def gate_event(turn_id: str, judged: JudgedGate) -> GateRan:
    result = judged.result
    if result.status == GateStatus.FAILED:
        summary = f"{len(result.errors)} error(s)"
    elif result.status == GateStatus.COULD_NOT_RUN:
        summary = f"could not run: {result.detail} {result.install_hint}".strip()
    else:
        summary = result.detail or result.status.value
    return GateRan(
        turn_id=turn_id, gate=result.gate, status=result.status.value, summary=summary,
        diagnostics=[d.model_dump(mode="json") for d in result.diagnostics],
        already_there=[d.model_dump(mode="json") for d in judged.already_there],
        duration_s=result.duration_s,
    )


def gate_problem(results: list[GateResult]) -> str:
    """The blocking diagnostics, one line each, for the person's summary."""
    lines = []
    for result in results:
        if result.status == GateStatus.COULD_NOT_RUN:
            lines.append(f"{result.gate}: could not run: {result.detail} {result.install_hint}".strip())
        lines += [f"{result.gate}: {d.one_line()}" for d in result.errors]
    return "\n".join(lines)
