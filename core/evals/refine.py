"""Refine a persona with its suite: find what fails, propose rewrites, keep only a proven gain.

One round: run the suite's train cases with the current persona and collect the failures
with their reasons; ask a proposer (a persona on the largest local model, or Claude
within the cap) for 3-5 candidate versions (rewrites of role, constraints and format,
forced through a JSON schema); evaluate the current persona and every candidate on the
holdout split; accept the best candidate only if its mean score beats the current one's
and no must-pass check that passed before fails now. Besides the rewrites, up to two
candidates add few-shot examples bootstrapped from passing train outputs and from the
persona's corrections (core/evals/bootstrap.py), judged by the same rule. The accepted candidate is saved as
the persona's next version through the persona lab, with the rationale and cost in its
changelog. Every candidate and its score is kept (memory/evals.py refine_candidates).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from pydantic import BaseModel, Field

from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.errors import IngleError, UsageError
from ingle.core.evals.bootstrap import (
    examples_dir,
    few_shot_proposals,
    install_examples,
    with_examples,
)
from ingle.core.evals.events import EvalEvent
from ingle.core.evals.judges import JudgeUnavailable
from ingle.core.evals.models import Subject, Suite
from ingle.core.evals.service import EvalService
from ingle.core.lab.versions import save_version
from ingle.memory import evals as rows
from ingle.personas.resolved import ResolvedPersona
from ingle.personas.toml_io import persona_to_toml

PROPOSER = "my-architect"
CANDIDATES_SCHEMA = {
    "type": "object",
    "required": ["candidates"],
    "properties": {"candidates": {"type": "array", "minItems": 3, "maxItems": 5, "items": {
        "type": "object", "required": ["role", "constraints", "format", "rationale"],
        "properties": {k: {"type": "string"} for k in ("role", "constraints", "format",
                                                       "rationale")}}}},
}


class RefineOutcome(BaseModel):
    persona: str
    refine_id: str
    rounds: int
    baseline: float | None = None
    best: float | None = None
    accepted: bool = False
    saved_version: int | None = None
    candidates: list[rows.CandidateRow] = Field(default_factory=list)
    cost_usd: float = 0.0
    stopped: str = ""


class RefineProgress(EvalEvent):
    """A line of what the refine loop is doing (the eval runs publish their own events)."""

    message: str


async def refine(service: EvalService, persona_name: str, suite: Suite, *,
                 rounds: int = 1, budget_usd: float = 1.0, proposer: str = PROPOSER,
                 candidates: int = 3, on_event: Callable[[EvalEvent], None] | None = None,
                 few_shot: bool = True) -> RefineOutcome:
    if not 3 <= candidates <= 5:
        raise UsageError("--candidates must be 3 to 5", "give --candidates 3")
    wb = service.wb
    refine_id = secrets.token_hex(4)
    outcome = RefineOutcome(persona=persona_name, refine_id=refine_id, rounds=0)
    train = [c for c in suite.cases if c.split == "train"] or suite.cases
    holdout = [c for c in suite.cases if c.split == "holdout"] or suite.cases
    say = _say(refine_id, on_event)
    for round_no in range(1, rounds + 1):
        outcome.rounds = round_no
        current = wb.personas.get(persona_name)
        model = str(current.model_ref)
        say(f"round {round_no}: running {len(train)} train cases with {current.label}")
        base_train = await _evaluate(service, suite, train, current, model, "train", on_event)
        failures = _failures(service, base_train)
        outcome.cost_usd += base_train.cost
        if not failures:
            outcome.stopped = "nothing fails on the train cases"
            break
        say(f"{len(failures)} failures; asking {proposer} for {candidates} candidates")
        shots = (few_shot_proposals(service.store, current, train, base_train.run_id,
                                    _failing_cases(service, base_train)) if few_shot else [])
        try:
            proposals, cost = await _propose(service, proposer, current, failures, candidates)
        except (JudgeUnavailable, BackendError, IngleError) as exc:
            outcome.stopped = f"the proposer could not answer: {str(exc).splitlines()[0]}"
            if not shots:
                break
            proposals, cost = [], 0.0
        outcome.cost_usd += cost
        if shots:
            say(f"{len(shots)} few-shot candidate(s) bootstrapped from passing outputs and "
                "corrections")
        proposals += shots
        base = await _evaluate(service, suite, holdout, current, model, "holdout", on_event)
        outcome.cost_usd += base.cost
        outcome.baseline = base.score
        best: tuple[float, ResolvedPersona, rows.CandidateRow] | None = None
        for idx, proposal in enumerate(proposals):
            if outcome.cost_usd >= budget_usd:
                outcome.stopped = f"budget ${budget_usd:.2f} spent"
                break
            resolved = _build(service, current, proposal, refine_id, round_no, idx + 1)
            candidate = resolved.persona
            say(f"candidate {idx + 1}: evaluating on {len(holdout)} holdout cases")
            result = await _evaluate(service, suite, holdout, resolved, model,
                                     f"candidate {idx + 1}", on_event)
            outcome.cost_usd += result.cost
            lost = sorted(base.must_passed - result.must_passed)
            verdict = (f"regresses must-pass {', '.join(lost)}" if lost else
                       "improves" if result.score > base.score else "no improvement")
            row = rows.CandidateRow(
                refine_id=refine_id, persona=persona_name, round=round_no, idx=idx + 1,
                persona_toml=persona_to_toml(candidate), rationale=proposal["rationale"],
                run_id=result.run_id, score=result.score, baseline=base.score,
                verdict=verdict, cost_usd=result.cost)
            outcome.candidates.append(row)
            say(f"candidate {idx + 1}: {result.score:.3f} vs {base.score:.3f}: {verdict}")
            if verdict == "improves" and (best is None or result.score > best[0]):
                best = (result.score, resolved, row)
        if best is None:
            _keep(service, outcome.candidates, round_no)
            outcome.stopped = outcome.stopped or "no candidate improved without a regression"
            break
        score, kept, row = best
        changelog = (f"refined on suite {suite.name}: holdout mean score {row.baseline:.3f} -> "
                     f"{score:.3f}; {row.rationale} (cost ${outcome.cost_usd:.4f}, refine "
                     f"{refine_id})")
        install_examples(wb.personas, kept)
        version = save_version(wb.store, wb.personas, kept.persona, changelog, author="evaluator")
        row.accepted, row.saved_version = True, version.number
        outcome.accepted, outcome.saved_version, outcome.best = True, version.number, score
        _keep(service, outcome.candidates, round_no)
        say(f"saved {persona_name}@{version.number}: {changelog}")
        if outcome.cost_usd >= budget_usd:
            outcome.stopped = f"budget ${budget_usd:.2f} spent"
            break
    return outcome


def _keep(service: EvalService, candidates: list[rows.CandidateRow], round_no: int) -> None:
    for row in candidates:
        if row.round == round_no:
            rows.add_candidate(service.store, row)


class _Scored(BaseModel):
    run_id: str
    score: float
    cost: float
    must_passed: set[str]


async def _evaluate(service: EvalService, suite: Suite, cases: list, persona: ResolvedPersona,  # noqa: ANN001
                    model: str, what: str, on_event: Callable[[EvalEvent], None] | None
                    ) -> _Scored:
    part = suite.model_copy(update={"cases": cases, "name": f"{suite.name} ({what})"})
    subject = Subject(persona=persona.name, version=persona.version_number, model=model)
    report = await service.run(part, [subject], samples=1, on_event=on_event,
                               resolved={subject: persona})
    metrics = report.subjects[0].metrics
    scores = rows.scores_of(service.store, report.run.id)
    samples = {s.id: s for s in rows.samples_of(service.store, report.run.id)}
    must = {f"{samples[s.sample_id].case_id}:{s.check_name}" for s in scores
            if s.must_pass and s.passed}
    return _Scored(run_id=report.run.id, score=metrics.get("mean_score") or 0.0,
                   cost=metrics.get("cost_usd") or 0.0, must_passed=must)


def _failing_cases(service: EvalService, scored: _Scored) -> list[str]:
    samples = {s.id: s.case_id for s in rows.samples_of(service.store, scored.run_id)}
    return sorted({samples[s.sample_id] for s in rows.scores_of(service.store, scored.run_id)
                   if not s.passed and not s.skipped})


def _build(service: EvalService, current: ResolvedPersona, proposal: dict, refine_id: str,
           round_no: int, idx: int) -> ResolvedPersona:
    """A candidate: the proposal's role, constraints and format, plus its examples if any."""
    candidate = current.persona.model_copy(update={
        "role": proposal["role"], "constraints": proposal["constraints"],
        "format": proposal["format"]})
    return with_examples(current, candidate, proposal, refine_id, round_no, idx,
                         examples_dir(service.wb.personas))[1]


def _failures(service: EvalService, scored: _Scored) -> list[str]:
    samples = {s.id: s for s in rows.samples_of(service.store, scored.run_id)}
    out = []
    for score in rows.scores_of(service.store, scored.run_id):
        if not score.passed and not score.skipped:
            sample = samples[score.sample_id]
            out.append(f"case {sample.case_id}, check {score.check_name}: {score.reason}\n"
                       f"  the reply began: {sample.output[:300]!r}")
    return out


async def _propose(service: EvalService, proposer: str, current: ResolvedPersona,
                   failures: list[str], count: int) -> tuple[list[dict], float]:
    who, model = service.judge.who(proposer)
    persona = current.persona
    prompt = (
        f"A persona (a system prompt for a local model) fails some eval cases. Write {count} "
        "different candidate rewrites of its role, constraints and format that would fix the "
        "failures without breaking what works, each with a one-sentence rationale.\n\n"
        f"ROLE:\n{persona.role}\n\nCONSTRAINTS:\n{persona.constraints}\n\nFORMAT:\n"
        f"{persona.format}\n\nFAILURES:\n" + "\n".join(failures[:20]))
    result = await service.caller.call(
        who, [ChatMessage(role="user", content=prompt)], task_kind="eval-refine",
        json_schema=CANDIDATES_SCHEMA, model=model, think=False, temperature=0.7)
    proposals = [p for p in result.parsed_json["candidates"] if p["role"].strip()][:count]
    return proposals, result.usage.cost_usd or 0.0


def _say(refine_id: str, on_event: Callable[[EvalEvent], None] | None) -> Callable[[str], None]:
    def say(message: str) -> None:
        if on_event is not None:
            on_event(RefineProgress(run_id=refine_id, message=message))
    return say


# -- one round as separate steps, for the job runner (core/jobs): propose, then one step
# per candidate, then decide. The same calls and the same rule as `refine` above.
class Proposal(BaseModel):
    refine_id: str
    model: str
    proposals: list[dict] = Field(default_factory=list)
    baseline: float = 0.0
    baseline_must: list[str] = Field(default_factory=list)
    cost_usd: float = 0.0
    stopped: str = ""


class CandidateScore(BaseModel):
    idx: int
    run_id: str
    score: float
    must_passed: list[str]
    cost_usd: float


def _splits(suite: Suite) -> tuple[list, list]:
    train = [c for c in suite.cases if c.split == "train"] or suite.cases
    holdout = [c for c in suite.cases if c.split == "holdout"] or suite.cases
    return train, holdout


async def propose_step(service: EvalService, persona_name: str, suite: Suite, *,
                       proposer: str = PROPOSER, candidates: int = 3,
                       few_shot: bool = True) -> Proposal:
    """Train cases with the current persona, the proposer's candidates, the holdout baseline."""
    if not 3 <= candidates <= 5:
        raise UsageError("--candidates must be 3 to 5", "give --candidates 3")
    current = service.wb.personas.get(persona_name)
    out = Proposal(refine_id=secrets.token_hex(4), model=str(current.model_ref))
    train, holdout = _splits(suite)
    base_train = await _evaluate(service, suite, train, current, out.model, "train", None)
    out.cost_usd += base_train.cost
    failures = _failures(service, base_train)
    if not failures:
        out.stopped = "nothing fails on the train cases"
        return out
    shots = (few_shot_proposals(service.store, current, train, base_train.run_id,
                                _failing_cases(service, base_train)) if few_shot else [])
    try:
        out.proposals, cost = await _propose(service, proposer, current, failures, candidates)
    except (JudgeUnavailable, BackendError, IngleError) as exc:
        out.stopped = f"the proposer could not answer: {str(exc).splitlines()[0]}"
        if not shots:
            return out
        cost = 0.0
    out.cost_usd += cost
    out.proposals += shots
    base = await _evaluate(service, suite, holdout, current, out.model, "holdout", None)
    out.cost_usd += base.cost
    out.baseline, out.baseline_must = base.score, sorted(base.must_passed)
    return out


def _candidate(service: EvalService, persona_name: str, proposal: dict, refine_id: str,
               idx: int) -> ResolvedPersona:
    return _build(service, service.wb.personas.get(persona_name), proposal, refine_id, 1, idx)


async def candidate_step(service: EvalService, persona_name: str, suite: Suite,
                         proposal: Proposal, idx: int) -> CandidateScore:
    """One candidate (0-based `idx`) evaluated on the holdout split."""
    _, holdout = _splits(suite)
    resolved = _candidate(service, persona_name, proposal.proposals[idx], proposal.refine_id,
                          idx + 1)
    result = await _evaluate(service, suite, holdout, resolved, proposal.model,
                             f"candidate {idx + 1}", None)
    return CandidateScore(idx=idx, run_id=result.run_id, score=result.score,
                          must_passed=sorted(result.must_passed), cost_usd=result.cost)


def decide(service: EvalService, persona_name: str, suite: Suite, proposal: Proposal,
           scores: list[CandidateScore]) -> RefineOutcome:
    """Keep every candidate's row; save the best one that improves without a regression."""
    outcome = RefineOutcome(persona=persona_name, refine_id=proposal.refine_id, rounds=1,
                            baseline=proposal.baseline, stopped=proposal.stopped,
                            cost_usd=proposal.cost_usd + sum(s.cost_usd for s in scores))
    best: tuple[float, ResolvedPersona, rows.CandidateRow] | None = None
    for scored in sorted(scores, key=lambda s: s.idx):
        text = proposal.proposals[scored.idx]
        resolved = _candidate(service, persona_name, text, proposal.refine_id, scored.idx + 1)
        candidate = resolved.persona
        lost = sorted(set(proposal.baseline_must) - set(scored.must_passed))
        verdict = (f"regresses must-pass {', '.join(lost)}" if lost else
                   "improves" if scored.score > proposal.baseline else "no improvement")
        row = rows.CandidateRow(
            refine_id=proposal.refine_id, persona=persona_name, round=1, idx=scored.idx + 1,
            persona_toml=persona_to_toml(candidate), rationale=text["rationale"],
            run_id=scored.run_id, score=scored.score, baseline=proposal.baseline,
            verdict=verdict, cost_usd=scored.cost_usd)
        outcome.candidates.append(row)
        if verdict == "improves" and (best is None or scored.score > best[0]):
            best = (scored.score, resolved, row)
    if best is not None:
        score, kept, row = best
        changelog = (f"refined on suite {suite.name}: holdout mean score {row.baseline:.3f} -> "
                     f"{score:.3f}; {row.rationale} (cost ${outcome.cost_usd:.4f}, refine "
                     f"{proposal.refine_id})")
        install_examples(service.wb.personas, kept)
        version = save_version(service.store, service.wb.personas, kept.persona, changelog,
                               author="evaluator")
        row.accepted, row.saved_version = True, version.number
        outcome.accepted, outcome.saved_version, outcome.best = True, version.number, score
    elif scores:
        outcome.stopped = outcome.stopped or "no candidate improved without a regression"
    _keep(service, outcome.candidates, 1)
    return outcome
