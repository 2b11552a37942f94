"""Scoring stored samples: deterministic checks first, then the rubric judge unless a
must-pass check failed; pairwise and select-best once every subject has answered a case.

Used both right after a sample is generated and by `ingle eval rescore`.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from ingle.core.evals.checks import CheckContext, run_check
from ingle.core.evals.judges import Judge
from ingle.core.evals.models import CASE_JUDGES, DETERMINISTIC, Case, CheckResult, CheckSpec, Suite
from ingle.memory.evals import SampleRow, ScoreRow


def _row(sample: SampleRow, spec: CheckSpec, result: CheckResult) -> ScoreRow:
    assert sample.id is not None
    return ScoreRow(sample_id=sample.id, run_id=sample.run_id, check_name=spec.key,
                    kind=spec.type, passed=result.passed, score=result.score,
                    weight=spec.weight, must_pass=spec.must_pass, reason=result.reason,
                    skipped=result.skipped)


async def score_sample(suite: Suite, case: Case, sample: SampleRow, ctx: CheckContext,
                       judge: Judge | None, only: set[str] | None = None) -> list[ScoreRow]:
    """Deterministic checks, then rubric judges (skipped after a failed must-pass)."""
    specs = [s for s in suite.checks_for(case) if only is None or s.key in only]
    rows: list[ScoreRow] = []
    must_failed = False
    for spec in (s for s in specs if s.type in DETERMINISTIC):
        try:
            result = await run_check(spec, sample, ctx)
        except ValueError as exc:  # a broken check definition
            result = CheckResult(passed=False, score=0.0, reason=str(exc))
        must_failed = must_failed or (spec.must_pass and not result.passed)
        rows.append(_row(sample, spec, result))
    for spec in (s for s in specs if s.type == "rubric"):
        if must_failed:
            result = CheckResult(passed=False, score=0.0, skipped=True,
                                 reason="not judged: a must-pass check failed")
        elif sample.error:
            result = CheckResult(passed=False, score=0.0, reason=f"no reply: {sample.error}")
        elif judge is None:
            result = CheckResult(passed=False, score=0.0, skipped=True, reason="no judge")
        else:
            result = await judge.rubric(spec, case, sample)
        rows.append(_row(sample, spec, result))
    return rows


def _rng(*parts: object) -> random.Random:
    seed = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return random.Random(int(seed[:16], 16))


async def score_case_judges(
    suite: Suite, case: Case, samples: Sequence[SampleRow], subjects: Sequence[str],
    judge: Judge | None, must_failed: Callable[[SampleRow], bool],
    only: set[str] | None = None,
) -> list[ScoreRow]:
    """Pairwise and select-best for one case, over the samples of every subject."""
    specs = [s for s in suite.checks_for(case)
             if s.type in CASE_JUDGES and (only is None or s.key in only)]
    if not specs:
        return []
    by_index: dict[int, dict[str, SampleRow]] = defaultdict(dict)
    for s in samples:
        if s.attempt == 0:
            by_index[s.sample_index][s.subject] = s
    rows: list[ScoreRow] = []
    for spec in specs:
        for index, group in sorted(by_index.items()):
            if spec.type == "pairwise":
                rows += await _pairwise(spec, case, group, subjects, judge, must_failed, index)
            else:
                rows += await _select_best(spec, case, group, judge, must_failed, index)
    return rows


async def _pairwise(spec: CheckSpec, case: Case, group: dict[str, SampleRow],
                    subjects: Sequence[str], judge: Judge | None,
                    must_failed: Callable[[SampleRow], bool], index: int) -> list[ScoreRow]:
    against = _subject_named(spec.against, subjects) if spec.against else subjects[0]
    baseline = group.get(against)
    rows = []
    for subject, sample in group.items():
        if subject == against:
            continue
        if baseline is None or baseline.error or sample.error:
            result = CheckResult(passed=False, score=0.0, reason=f"no pair with {against}")
        elif must_failed(sample):
            result = CheckResult(passed=False, score=0.0, skipped=True,
                                 reason="not judged: a must-pass check failed")
        elif judge is None:
            result = CheckResult(passed=False, score=0.0, skipped=True, reason="no judge")
        else:
            rng = _rng(case.id, subject, index, spec.key)
            result = await judge.pairwise(spec, case, sample, baseline, rng)
        rows.append(_row(sample, spec, result))
    return rows


def _subject_named(given: str, subjects: Sequence[str]) -> str:
    """`against` may be a whole label, the label without the version, or just the model."""
    for label in subjects:
        unversioned = re.sub(r"@\d+ x ", " x ", label)
        if given in (label, unversioned) or label.endswith(f" x {given}"):
            return label
    return given


async def _select_best(spec: CheckSpec, case: Case, group: dict[str, SampleRow],
                       judge: Judge | None, must_failed: Callable[[SampleRow], bool],
                       index: int) -> list[ScoreRow]:
    eligible = [s for s in group.values() if not s.error and not must_failed(s)]
    picked, reason = (None, "no judge") if judge is None or not eligible else (
        await judge.select_best(spec, case, eligible, _rng(case.id, index, spec.key)))
    rows = []
    for sample in group.values():
        if sample not in eligible:
            result = CheckResult(passed=False, score=0.0, skipped=True,
                                 reason="not judged: no reply or a must-pass check failed")
        else:
            won = sample.id == picked
            result = CheckResult(passed=won, score=1.0 if won else 0.0,
                                 reason=("picked: " if won else "not picked: ") + reason,
                                 skipped=picked is None)
        rows.append(_row(sample, spec, result))
    return rows
