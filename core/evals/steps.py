"""An eval run one sample at a time, for the job runner (core/jobs/).

`ingle eval run` generates a whole run in one go (service._execute). The job runner
instead plans the run's samples as steps, computes each one wherever it runs (this
process, or a Ray worker with its own store and model server), and records the result in
the coordinator's store; once every sample is in, `finish_run` runs the case judges and
closes the run. A sample is computed exactly as `_execute` does it: the same request,
the same cache key, the same checks and repairs, so the stored results are the same.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ingle.core.evals.checks import CheckContext
from ingle.core.evals.events import RunFinished, SampleDone
from ingle.core.evals.metrics import fold
from ingle.core.evals.models import Subject, Suite
from ingle.core.evals.runner import (
    Job, Placement, cache_key, generate, locate, messages_for, repair_messages, sample_row,
)
from ingle.core.evals.scoring import score_sample
from ingle.memory import evals as rows
from ingle.memory.evals import SampleRow, ScoreRow

# The EvalService these functions serve (service.py calls them; typed loosely because
# service.py imports this module).
EvalService = Any


class SampleKey(BaseModel):
    """One sample of a run: a case, a subject (by its place in the run), an index."""

    run_id: str
    case_id: str
    subject: int
    sample_index: int


class AttemptRows(BaseModel):
    sample: SampleRow
    scores: list[ScoreRow]


class SampleResult(BaseModel):
    """A computed sample (with its repairs), not yet stored."""

    key: SampleKey
    attempts: list[AttemptRows]
    passed: bool
    score: float


def plan_run(service: EvalService, suite: Suite, subjects: list[Subject], *,
             samples: int | None = None, limit: int | None = None) -> tuple[str, list[SampleKey]]:
    """Create the run (as `ingle eval run` would) and list its samples, case by case."""
    run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
    count = samples or suite.samples
    rows.create_run(service.store, rows.RunRow(
        id=run_id, suite=suite.name, suite_json=suite.model_dump_json(by_alias=True),
        subjects_json=rows.dumps([s.model_dump() for s in subjects]), samples=count,
        case_limit=limit, status="running", started_at=time.time()))
    cases = suite.cases[:limit] if limit else suite.cases
    return run_id, [SampleKey(run_id=run_id, case_id=c.id, subject=i, sample_index=n)
                    for c in cases for i in range(len(subjects)) for n in range(count)]


class RunSnapshot(BaseModel):
    """What computing a sample needs of its run: the suite and subjects as stored."""

    suite_json: str
    subjects: list[Subject]

    @classmethod
    def load(cls, service: EvalService, run_id: str) -> RunSnapshot:
        _, suite, subjects = service._load(run_id)  # noqa: SLF001 - same package
        return cls(suite_json=suite.model_dump_json(by_alias=True), subjects=subjects)


async def compute_sample(service: EvalService, snapshot: RunSnapshot, key: SampleKey,
                         placements: dict[str, Placement],
                         endpoint: str | None = None) -> SampleResult:
    """Generate and score one sample, with its repairs; nothing is written but the model
    calls' own log. `placements` caches where each model runs (filled on first use);
    `endpoint`: the one the caller picked among them (default: the first)."""
    suite = Suite.model_validate_json(snapshot.suite_json)
    subject = snapshot.subjects[key.subject]
    case = next(c for c in suite.cases if c.id == key.case_id)
    job = Job(case=case, subject=subject, sample_index=key.sample_index)
    if subject.model not in placements:
        placements[subject.model] = await locate(service.caller, subject.model)
    placement = placements[subject.model]
    if endpoint not in placement.endpoints:
        endpoint = placement.endpoints[0]
    persona = service._persona(subject.persona, subject.version)  # noqa: SLF001
    _, request = service.caller.request_for(persona, messages_for(case, persona),
                                            model=subject.model, temperature=suite.temperature)
    ctx_dir = Path(suite.source).parent if suite.source.endswith(".toml") else None
    ctx = CheckContext(case, service._gates, ctx_dir)  # noqa: SLF001
    attempts: list[AttemptRows] = []
    verdict = None
    for attempt in range(suite.repairs + 1):
        key_hash = cache_key(placement.digest, request, key.sample_index, attempt)
        cached = rows.cached_sample(service.store, key_hash)
        if cached is not None:
            row = cached.model_copy(update=dict(
                id=None, run_id=key.run_id, case_id=case.id, subject=subject.label,
                sample_index=key.sample_index, attempt=attempt, cached_from=cached.id,
                created_at=0.0))
        else:
            result, error, seconds = await generate(service.caller, endpoint, request,
                                                    subject.persona)
            row = sample_row(key.run_id, job, attempt, key_hash, endpoint, placement.digest,
                             request, result, error, seconds)
        row.id = -(attempt + 1)  # provisional: the coordinator's store numbers it
        scores = await score_sample(suite, case, row, ctx, service.judge)
        attempts.append(AttemptRows(sample=row.model_copy(update={"id": None}), scores=scores))
        verdict = fold(row, scores)
        if verdict.passed or row.error:
            break
        reasons = [s.reason for s in scores if not s.passed and not s.skipped]
        request = request.model_copy(
            update={"messages": repair_messages(request, row.output, reasons)})
    assert verdict is not None
    return SampleResult(key=key, attempts=attempts, passed=verdict.passed, score=verdict.score)


def record_sample(service: EvalService, result: SampleResult, done: int, planned: int) -> None:
    """Store a computed sample and its scores (on the coordinator), once."""
    have = {(s.case_id, s.subject, s.sample_index, s.attempt)
            for s in rows.samples_of(service.store, result.key.run_id)}
    for attempt in result.attempts:
        sample = attempt.sample
        if (sample.case_id, sample.subject, sample.sample_index, sample.attempt) in have:
            continue  # already recorded (a step whose result was written twice)
        sample_id = rows.add_sample(service.store, sample)
        rows.put_scores(service.store, [s.model_copy(update={"sample_id": sample_id})
                                        for s in attempt.scores])
    first = result.attempts[-1].sample
    service.wb.bus.publish(SampleDone(
        run_id=result.key.run_id, case_id=first.case_id, subject=first.subject,
        sample_index=first.sample_index, passed=result.passed, score=result.score,
        cached=first.cached_from is not None, error=first.error, done=done, planned=planned))


async def finish_run(service: EvalService, run_id: str) -> None:
    """Every sample is in: the case judges (pairwise, select-best), then the run is done."""
    run, suite, subjects = service._load(run_id)  # noqa: SLF001
    cases = suite.cases[: run.case_limit] if run.case_limit else suite.cases
    await service._case_judges(run_id, suite, cases,  # noqa: SLF001
                               [s.label for s in subjects])
    rows.set_run_status(service.store, run_id, "done")
    stored = len(rows.samples_of(service.store, run_id))
    service.wb.bus.publish(RunFinished(run_id=run_id, status="done", done=stored,
                                       planned=stored))


def dumps(result: SampleResult) -> dict:
    return json.loads(result.model_dump_json())
