"""Phase 5 of a turn: the gates and the repository's tests judge the candidate.

Only what the change introduced decides: a gate diagnostic or a failing test that the
original files have too is shown, never blocking (core/agent/gating.py, test_gate.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from ingle.core.agent import repair_messages
from ingle.core.agent.events import TurnEvent
from ingle.core.agent.turn_report import gate_event, gate_problem, tests_event
from ingle.core.agent.turn_types import Attempt, TurnDeps, TurnState
from ingle.validators.results import GateResult, GateStatus


async def verify_candidate(
    deps: TurnDeps, state: TurnState, turn_id: str, attempt: Attempt, remaining_s: float
) -> AsyncIterator[TurnEvent]:
    """Gate and test events for the candidate; a blocking result fails `attempt`."""
    if not state.changed():
        return
    if deps.gates is not None:
        blocking: list[GateResult] = []
        async for judged in deps.gates(state.changed()):
            yield gate_event(turn_id, judged)
            result = judged.result  # only what the change introduced decides
            if result.status == GateStatus.FAILED or (
                result.status == GateStatus.COULD_NOT_RUN and result.gate in deps.required_gates
            ):
                blocking.append(result)
        if blocking:
            attempt.fail(
                repair_messages.gates_failed(blocking, sorted(state.changed())),
                gate_problem(blocking),
                "gate " + ", ".join(r.gate for r in blocking) + " failed", "failed_gate",
            )
            return
    if deps.tests is not None:
        judged = await deps.tests(state.changed(), remaining_s)
        if judged is not None:
            yield tests_event(turn_id, judged)
            tested = judged.result
            if judged.blocking:  # a test that failed before the change does not block it
                attempt.fail(
                    repair_messages.tests_failed(tested.summary_for_model, sorted(state.changed())),
                    tested.summary_for_model or tested.summary_line,
                    f"tests {tested.status.value}", "failed_tests",
                )
