"""Events that report a turn's steps: edits applied or refused, gates, tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.edits.diffs import unified_diff
from ingle.core.edits.models import EditPlan
from ingle.core.agent.events import EditApplied, EditRefused, GateRan, TestsRan, TurnEvent
from ingle.core.agent.turn_types import TurnState
from ingle.validators.results import GateResult, GateStatus

if TYPE_CHECKING:
    from ingle.core.test_runs.models import TestRunResult


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


def tests_event(turn_id: str, result: TestRunResult) -> TestsRan:
    summary = result.summary_line or result.detail or result.status.value
    if result.status.value == "could_not_run" and result.install_hint:
        summary = f"{summary} ({result.install_hint})"
    return TestsRan(
        turn_id=turn_id, status=result.status.value, command=result.command_line, summary=summary,
        failures=[f.model_dump(mode="json") for f in result.failures],
        duration_s=result.duration_s,
    )


def gate_event(turn_id: str, result: GateResult) -> GateRan:
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
