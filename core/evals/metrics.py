"""Metrics under their own names, from stored samples and scores.

pass@k is HumanEval's unbiased estimator (1 - C(n-c, k) / C(n, k)) averaged over cases;
pass^k is the chance that k samples all pass (C(c, k) / C(n, k)); the rest are plain
means, shares and percentiles. Every function takes verdicts, never the database.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from ingle.memory.evals import SampleRow, ScoreRow

GATE_CHECKS = frozenset({"gates", "browser"})


class Verdict(BaseModel):
    """A sample with its scores folded in."""

    sample: SampleRow
    passed: bool
    score: float
    gate_results: list[bool] = []

    @property
    def case_id(self) -> str:
        return self.sample.case_id

    @property
    def subject(self) -> str:
        return self.sample.subject


def fold(sample: SampleRow, scores: Sequence[ScoreRow]) -> Verdict:
    """Passed: every check that ran passed (an error is a failure). Score: the weighted
    mean of the check scores, 0 when a must-pass check failed."""
    ran = [s for s in scores if not s.skipped]
    gates = [s.passed for s in ran if s.kind in GATE_CHECKS]
    if sample.error:
        return Verdict(sample=sample, passed=False, score=0.0, gate_results=gates)
    if not ran:
        return Verdict(sample=sample, passed=True, score=1.0, gate_results=gates)
    passed = all(s.passed for s in ran)
    if any(s.must_pass and not s.passed for s in ran):
        return Verdict(sample=sample, passed=False, score=0.0, gate_results=gates)
    weight = sum(s.weight for s in ran)
    score = sum(s.score * s.weight for s in ran) / weight if weight else float(passed)
    return Verdict(sample=sample, passed=passed, score=score, gate_results=gates)


def pass_at_k(n: int, c: int, k: int) -> float:
    """HumanEval's unbiased estimator for one problem."""
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def pass_hat_k(n: int, c: int, k: int) -> float:
    """The chance that k samples drawn without replacement all pass."""
    if k > n:
        return 0.0
    return math.comb(c, k) / math.comb(n, k)


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = math.floor(index), math.ceil(index)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def _ks(n: int) -> list[int]:
    return sorted({k for k in (1, 5, 10, n) if k <= n})


def subject_metrics(verdicts: Iterable[Verdict], samples_per_case: int,
                    repairs: int = 0) -> dict[str, float | None]:
    """Every metric of one subject's verdicts (all cases, all samples, all attempts)."""
    verdicts = list(verdicts)
    first = [v for v in verdicts if v.sample.attempt == 0]
    by_case: dict[str, list[Verdict]] = defaultdict(list)
    for v in first:
        by_case[v.case_id].append(v)
    metrics: dict[str, float | None] = {}
    n = samples_per_case
    for k in _ks(n):
        values = [pass_at_k(len(vs), sum(v.passed for v in vs), k)
                  for vs in by_case.values() if len(vs) >= k]
        metrics[f"pass@{k}"] = _mean(values)
    if n > 1:
        values = [pass_hat_k(len(vs), sum(v.passed for v in vs), n) for vs in by_case.values()]
        metrics[f"pass^{n}"] = _mean(values)
        metrics["majority_vote"] = _mean([float(_majority_passes(vs)) for vs in by_case.values()])
        metrics[f"best_of_{n}"] = _mean([max(v.score for v in vs) for vs in by_case.values()])
    if repairs:
        final: dict[tuple[str, int], bool] = {}
        for v in verdicts:
            key = (v.case_id, v.sample.sample_index)
            final[key] = final.get(key, False) or (v.passed and v.sample.attempt <= repairs)
        metrics[f"pass_within_{repairs}_repairs"] = _mean([float(p) for p in final.values()])
    scores = [v.score for v in first]
    metrics["mean_score"] = _mean(scores)
    metrics["mean_score_se"] = (statistics.stdev(scores) / math.sqrt(len(scores))
                                if len(scores) > 1 else None)
    gates = [g for v in first for g in v.gate_results]
    metrics["gate_pass_rate"] = _mean([float(g) for g in gates])
    ok = [v.sample for v in first if not v.sample.error]
    latencies = [s.latency_s for s in ok]
    metrics["latency_p50_s"] = percentile(latencies, 0.5)
    metrics["latency_p95_s"] = percentile(latencies, 0.95)
    metrics["tok_s"] = _mean([s.tok_s for s in ok if s.tok_s > 0])
    output = sum(s.output_tokens for s in ok)
    metrics["hidden_thinking_share"] = (sum(s.thinking_tokens for s in ok) / output
                                        if output else None)
    metrics["cost_usd"] = sum(v.sample.cost_usd for v in first)
    metrics["errors"] = float(sum(1 for v in first if v.sample.error))
    metrics["samples"] = float(len(first))
    return metrics


def _majority_passes(verdicts: list[Verdict]) -> bool:
    """Whether the most common answer (whitespace-normalised) is a passing one."""
    answers = Counter(" ".join(v.sample.output.split()) for v in verdicts)
    top = answers.most_common(1)[0][0]
    return any(v.passed for v in verdicts if " ".join(v.sample.output.split()) == top)


def flip_rate(base: dict[tuple[str, str], bool], cand: dict[tuple[str, str], bool]) -> float:
    """The share of (case, subject) cells both runs have whose pass/fail flipped."""
    shared = base.keys() & cand.keys()
    if not shared:
        return 0.0
    return sum(base[k] != cand[k] for k in shared) / len(shared)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# Metrics where less is better: their thresholds are maxima.
LOWER_IS_BETTER = ("latency", "cost", "errors", "hidden_thinking")


def failed_thresholds(values: dict[str, float | None], thresholds: dict[str, float]) -> list[str]:
    """The thresholds a subject's metrics miss, in words ("pass@1 0.5 < 0.75")."""
    failed = []
    for name, limit in thresholds.items():
        value = values.get(name)
        if value is None:
            failed.append(f"{name}: no value (needs {limit:g})")
        elif name.startswith(LOWER_IS_BETTER) and value > limit:
            failed.append(f"{name} {value:.3g} > {limit:g}")
        elif not name.startswith(LOWER_IS_BETTER) and value < limit:
            failed.append(f"{name} {value:.3g} < {limit:g}")
    return failed
