"""What an eval run stored, without what differs between two runs of it (ids, times)."""

from __future__ import annotations

from ingle.memory import evals as erows
from ingle.memory.store import Store

SAMPLE_FIELDS = ("case_id", "subject", "sample_index", "attempt", "cache_key", "endpoint",
                 "model", "model_digest", "request_json", "output", "thinking",
                 "prompt_tokens", "output_tokens", "thinking_tokens", "error", "cached_from")


def stored_results(store: Store, run_id: str | None = None) -> list[list[tuple]]:
    """Per run (or the one given): its samples with their scores, in a stable order."""
    runs = [run_id] if run_id else [r.id for r, _ in erows.list_runs(store)]
    out = []
    for rid in runs:
        scores: dict[int, list[tuple]] = {}
        for s in erows.scores_of(store, rid):
            scores.setdefault(s.sample_id, []).append(
                (s.check_name, s.kind, s.passed, s.score, s.must_pass, s.reason, s.skipped))
        out.append(sorted(
            (tuple(getattr(s, f) for f in SAMPLE_FIELDS), tuple(sorted(scores.get(s.id, []))))
            for s in erows.samples_of(store, rid)))
    return out
