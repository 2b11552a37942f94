"""Best-of-N for a turn's first attempt (`--best-of N`, `/best N`).

N candidate replies are drawn at spread temperatures (the persona's own first, then
hotter), one after another; each is applied to a copy of the in-memory candidate and
checked by the turn's gates and tests. The first that passes is kept and the rest are not
drawn; when none passes, a judge persona picks the most promising one, and the turn's
usual repair and climb go on from it. The kept reply then runs through the turn's own
phases (apply, verify, land) like any reply, so nothing lands that they would not land; its
candidate was checked by that same verify phase on a scratch copy, so the phase replays that
verdict and its events instead of running the gates and tests twice.
Every candidate's call stays in the ledger (its outcome `best_of_discarded` or what the
kept one became) and the choice is recorded in `best_of_picks`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from ingle.core.agent.events import AnswerText, ModelFinished, Notice, TurnEvent, TurnFinished
from ingle.core.agent.turn_types import Attempt, BestOf, Judge, TurnDeps, TurnOptions, TurnState
from ingle.core.agent.verify_phase import verify_candidate
from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.edits.apply import plan_edits
from ingle.core.edits.parse import parse_reply
from ingle.memory.ledger import BestOfPick, record_best_of, tag_calls
from ingle.personas.registry import PersonaRegistry

MAX_CANDIDATES = 8
JUDGE_PERSONA = "my-reviewer"

# (a fresh attempt, temperature) -> the events of streaming one reply into it
Generate = Callable[[Attempt, float], AsyncIterator[TurnEvent]]


@dataclass
class _Candidate:
    index: int
    temperature: float
    attempt: Attempt
    problem: str = ""  # "" : it passed gates and tests
    applied: bool = False


def applies(best_of: BestOf | None, attempt: Attempt, options: TurnOptions) -> bool:
    """Only a code turn's first model call is drawn N times (after any rung skipped for a
    missing model or a small window); repairs and climbs are not."""
    return best_of is not None and best_of.n > 1 and not best_of.drawn and options.mode == "code"


async def draw(
    best_of: BestOf, attempt: Attempt, *, generate: Generate, deps: TurnDeps, state: TurnState,
    options: TurnOptions, turn_id: str, instruction: str, remaining_s: Callable[[], float],
) -> AsyncIterator[TurnEvent]:
    """Fill `attempt` with the kept candidate's reply (and its failure, if its call failed)."""
    best_of.drawn = True
    temps = best_of.temperatures()
    n = len(temps)
    candidates: list[_Candidate] = []
    kept: _Candidate | None = None
    for index, temperature in enumerate(temps, start=1):
        yield Notice(turn_id=turn_id, message=f"best of {n}: candidate {index} at temperature {temperature:g}")
        sub = Attempt(number=attempt.number, rung=attempt.rung)
        candidate = _Candidate(index, temperature, sub)
        candidates.append(candidate)
        async for event in generate(sub, temperature):
            if isinstance(event, TurnFinished):  # the server is gone: nothing more to draw
                yield event
                return
            if isinstance(event, (Notice, ModelFinished)):
                yield event
        if sub.failure:
            candidate.problem = sub.reason
            if sub.verdict in ("missing", "timeout"):  # another temperature will not help
                yield Notice(turn_id=turn_id, message=f"best of {n}: candidate {index}: {sub.reason}")
                best_of.drawn = sub.verdict != "missing"  # the next rung's model draws N
                break
        else:
            await _check(candidate, deps, state, options, remaining_s(), turn_id)
        verdict = "passed gates and tests" if not candidate.problem else candidate.problem
        yield Notice(turn_id=turn_id, message=f"best of {n}: candidate {index}: {verdict}")
        if not candidate.problem:
            kept = candidate
            break
    last = candidates[-1].attempt
    if kept is None and last.verdict == "missing":  # nothing drawn: the turn climbs as usual
        attempt.call_ids = last.call_ids
        attempt.fail(last.failure, last.problem, last.reason, last.verdict)
        return
    how, reason = "passed", "it passed gates and tests"
    if kept is None:
        kept, how, reason = await _judged(best_of, candidates, instruction)
    for other in candidates:
        if other is not kept:
            tag_calls(deps.store, other.attempt.call_ids, turn_id, "best_of_discarded")
    record_best_of(deps.store, BestOfPick(
        turn_id=turn_id, at=time.time(), candidates=n, drawn=len(candidates), kept=kept.index,
        kept_by=how, reason=reason, temperatures=[c.temperature for c in candidates],
        verdicts=[c.problem or "passed" for c in candidates],
    ))
    yield Notice(
        turn_id=turn_id,
        message=f"best of {n}: kept candidate {kept.index} (temperature {kept.temperature:g}): {reason}",
    )
    chosen = kept.attempt
    attempt.reply, attempt.call_ids = chosen.reply, chosen.call_ids
    attempt.verified = chosen.verified
    if chosen.failure:
        attempt.fail(chosen.failure, chosen.problem, chosen.reason, chosen.verdict)
    if chosen.reply:
        yield AnswerText(turn_id=turn_id, text=chosen.reply)


async def _check(candidate: _Candidate, deps: TurnDeps, state: TurnState, options: TurnOptions,
                 remaining_s: float, turn_id: str) -> None:
    """The turn's own verdicts on a copy of the candidate: edits apply, gates, tests."""
    parsed = parse_reply(candidate.attempt.reply)
    if not parsed.edits:
        candidate.problem = "no edit in the reply"
        return
    plan = plan_edits(parsed.edits, dict(state.candidate), deps.root,
                      allow_new_files=options.allow_new_files, chat_files=set(state.chat_files))
    if not plan.ok:
        candidate.problem = "edits did not apply"
        return
    candidate.applied = True
    merged = {**state.candidate, **plan.new_contents}
    scratch = TurnState(chat_files=list(state.chat_files), originals=state.originals,
                        candidate=merged)
    if not scratch.changed():
        candidate.problem = "the edits changed nothing"
        return
    # The turn's own verify phase on a scratch copy; the kept candidate's verdict is
    # replayed by that phase (`replay`) instead of running the gates and tests twice.
    checked = Attempt(number=candidate.attempt.number, rung=candidate.attempt.rung)
    events = [e async for e in verify_candidate(deps, scratch, turn_id, checked, remaining_s)]
    candidate.attempt.verified = (events, checked)
    candidate.problem = checked.reason if checked.failure else ""


async def replay(attempt: Attempt) -> AsyncIterator[TurnEvent]:
    """The verify phase of a kept candidate: its gate and test events and verdict again."""
    assert attempt.verified is not None
    events, checked = attempt.verified
    for event in events:
        yield event
    if checked.failure:
        attempt.fail(checked.failure, checked.problem, checked.reason, checked.verdict)


async def _judged(best_of: BestOf, candidates: list[_Candidate],
                  instruction: str) -> tuple[_Candidate, str, str]:
    """None passed: the judge's pick among the replies, else the first whose edits applied."""
    with_reply = [c for c in candidates if c.attempt.reply]
    if best_of.judge is not None and len(with_reply) > 1:
        index, why = await best_of.judge(instruction, [(c.attempt.reply, c.problem) for c in with_reply])
        if index is not None:
            return with_reply[index], "judge", f"none passed; the judge's pick: {why}"
    fallback = next((c for c in candidates if c.applied), with_reply[0] if with_reply else candidates[0])
    return fallback, "first", "none passed and no judge answered; the first whose edits applied"


def judge_with(caller: PersonaCaller, personas: PersonaRegistry) -> Judge | None:
    """The judge for candidates that all failed: the reviewer persona, its answer forced
    through a JSON schema; a failed call is no pick (the fallback applies)."""
    if JUDGE_PERSONA not in personas:
        return None
    persona = personas.get(JUDGE_PERSONA)

    async def judge(instruction: str, replies: list[tuple[str, str]]) -> tuple[int | None, str]:
        listing = "\n\n".join(
            f"Candidate {i}:\n{reply}\n(it failed: {problem})" for i, (reply, problem) in enumerate(replies, 1)
        )
        schema = {"type": "object", "required": ["best", "reason"],
                  "properties": {"best": {"type": "integer", "minimum": 1, "maximum": len(replies)},
                                 "reason": {"type": "string"}}}
        prompt = (f"The request:\n{instruction}\n\n{listing}\n\nNone passed its checks. Which "
                  'candidate is closest to a correct change, the best one to repair? Give its '
                  'number as "best" and a one-sentence "reason".')
        messages = [ChatMessage(role="system", content="You review code changes. Reply with JSON only."),
                    ChatMessage(role="user", content=prompt)]
        try:
            result = await caller.call(persona, messages, task_kind="best-of-judge",
                                       json_schema=schema, think=False, temperature=0.0)
        except BackendError:
            return None, ""
        verdict = dict(result.parsed_json)
        best = int(verdict["best"])
        if not 1 <= best <= len(replies):
            return None, ""
        return best - 1, str(verdict["reason"])

    return judge
