"""Judges: a persona or Claude grading replies, its answer forced through a JSON schema.

rubric: one reply, a score 0-1 and a reason. pairwise: two subjects' replies to the same
case, asked in both orders (which order goes first is random), "tie" allowed; the verdict
is a win only when both orders agree. select_best: every subject's reply, shuffled, the
judge names the best. Claude judges only while today's spend is under the cap.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.config.settings import Settings
from ingle.core.evals.models import Case, CheckResult, CheckSpec
from ingle.memory.evals import SampleRow
from ingle.memory.ledger import claude_spend_since, local_midnight
from ingle.memory.store import Store
from ingle.personas.registry import PersonaRegistry
from ingle.personas.resolved import ResolvedPersona

CLAUDE = "claude"
JUDGE_PERSONA = "my-reviewer"
RUBRIC_SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1},
                   "reason": {"type": "string"}},
    "required": ["score", "reason"],
}
PAIR_SCHEMA = {
    "type": "object",
    "properties": {"winner": {"type": "string", "enum": ["A", "B", "tie"]},
                   "reason": {"type": "string"}},
    "required": ["winner", "reason"],
}
SYSTEM = ("You are a strict, fair grader of answers. Judge only by the criteria given. "
          "Reply with JSON only.")


class JudgeUnavailable(Exception):
    """The judge cannot be asked now (Claude's cap reached, no key, unknown persona)."""


class Judge:
    def __init__(self, caller: PersonaCaller, personas: PersonaRegistry, settings: Settings,
                 store: Store) -> None:
        self.caller = caller
        self.personas = personas
        self.settings = settings
        self.store = store

    def who(self, name: str) -> tuple[ResolvedPersona, str | None]:
        if name == CLAUDE:
            if self.settings.claude.api_key is None:
                raise JudgeUnavailable("Claude is the judge but no ANTHROPIC_API_KEY is set")
            spent = claude_spend_since(self.store, local_midnight())
            if spent >= self.settings.claude.daily_cap_usd:
                raise JudgeUnavailable(f"Claude's daily cap is reached (${spent:.2f})")
            return self.personas.get(JUDGE_PERSONA), f"{self.settings.claude.model}@{CLAUDE}"
        if name not in self.personas:
            raise JudgeUnavailable(f"no persona named '{name}' to judge with")
        return self.personas.get(name), None

    async def _ask(self, name: str, prompt: str, schema: dict) -> dict:
        persona, model = self.who(name or JUDGE_PERSONA)
        messages = [ChatMessage(role="system", content=SYSTEM),
                    ChatMessage(role="user", content=prompt)]
        result = await self.caller.call(persona, messages, task_kind="eval-judge",
                                        json_schema=schema, model=model, think=False,
                                        temperature=0.0)
        return dict(result.parsed_json)

    async def rubric(self, spec: CheckSpec, case: Case, sample: SampleRow) -> CheckResult:
        prompt = (f"Rubric:\n{spec.rubric}\n\nThe task given:\n{_task(case)}\n\n"
                  f"The answer to grade:\n{sample.output}\n\n"
                  'Give "score" from 0 (fails the rubric) to 1 (fully meets it) and a one-'
                  'sentence "reason".')
        try:
            verdict = await self._ask(spec.judge, prompt, RUBRIC_SCHEMA)
        except (JudgeUnavailable, BackendError) as exc:
            return CheckResult(passed=False, score=0.0, reason=f"judge: {exc}", skipped=True)
        score = float(verdict["score"])
        return CheckResult(passed=score >= spec.threshold, score=score,
                           reason=str(verdict["reason"]))

    async def pairwise(self, spec: CheckSpec, case: Case, mine: SampleRow,
                       theirs: SampleRow, rng: random.Random) -> CheckResult:
        """Both orders; a win or a loss only when they agree, else a tie (0.5)."""
        orders = [(mine, theirs, "A"), (theirs, mine, "B")]
        rng.shuffle(orders)  # which position the judge sees first is random
        wins = 0
        reasons = []
        for first, second, mine_is in orders:
            prompt = (f"Criteria:\n{spec.rubric or 'Which answer does the task better?'}\n\n"
                      f"The task given:\n{_task(case)}\n\nAnswer A:\n{first.output}\n\n"
                      f"Answer B:\n{second.output}\n\n"
                      'Say which is better as "winner": "A", "B" or "tie", and a "reason".')
            try:
                verdict = await self._ask(spec.judge, prompt, PAIR_SCHEMA)
            except (JudgeUnavailable, BackendError) as exc:
                return CheckResult(passed=False, score=0.0, reason=f"judge: {exc}", skipped=True)
            winner = verdict["winner"]
            wins += 0 if winner == "tie" else (1 if winner == mine_is else -1)
            reasons.append(f"{'win' if winner == mine_is else 'tie' if winner == 'tie' else 'loss'}"
                           f": {verdict['reason']}")
        score = 1.0 if wins == 2 else 0.0 if wins == -2 else 0.5
        return CheckResult(passed=score >= spec.threshold, score=score,
                           reason=" | ".join(reasons))

    async def select_best(self, spec: CheckSpec, case: Case, candidates: Sequence[SampleRow],
                          rng: random.Random) -> tuple[int | None, str]:
        """The id of the sample the judge picks among shuffled candidates, and why."""
        shuffled = list(candidates)
        rng.shuffle(shuffled)
        listing = "\n\n".join(f"Answer {i + 1}:\n{s.output}" for i, s in enumerate(shuffled))
        schema = {"type": "object", "required": ["best", "reason"],
                  "properties": {"best": {"type": "integer", "minimum": 1,
                                          "maximum": len(shuffled)},
                                 "reason": {"type": "string"}}}
        prompt = (f"Criteria:\n{spec.rubric or 'Which answer does the task best?'}\n\n"
                  f"The task given:\n{_task(case)}\n\n{listing}\n\n"
                  'Give the number of the best answer as "best" and a "reason".')
        try:
            verdict = await self._ask(spec.judge, prompt, schema)
        except (JudgeUnavailable, BackendError) as exc:
            return None, f"judge: {exc}"
        return shuffled[int(verdict["best"]) - 1].id, str(verdict["reason"])


def _task(case: Case) -> str:
    if case.messages:
        return "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in case.messages)
    return case.text()
