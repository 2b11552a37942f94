"""Eval runs, samples and scores (the evaluator's storage; see core/evals/).

Samples hold everything a reply was (the request as sent, output, thinking, tokens,
durations, cost, error); scores live in their own table so a run is re-scored without
regenerating. A sample is unique per (run, case, subject, sample index, attempt): a
resumed run skips what is stored, and the cache finds earlier replies by `cache_key`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from ingle.memory.store import Store, now


class RunRow(BaseModel):
    id: str
    suite: str
    suite_json: str
    subjects_json: str
    samples: int
    case_limit: int | None = None
    status: str
    started_at: float
    finished_at: float | None = None


class SampleRow(BaseModel):
    id: int | None = None
    run_id: str
    case_id: str
    subject: str
    sample_index: int
    attempt: int = 0
    cache_key: str
    endpoint: str = ""
    model: str = ""
    model_digest: str = ""
    request_json: str = ""
    output: str = ""
    thinking: str = ""
    prompt_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    load_s: float = 0.0
    prompt_s: float = 0.0
    eval_s: float = 0.0
    latency_s: float = 0.0
    tok_s: float = 0.0
    cost_usd: float = 0.0
    error: str = ""
    cached_from: int | None = None
    created_at: float = 0.0

    @property
    def visible_tokens(self) -> int:
        return max(self.output_tokens - self.thinking_tokens, 0)


class ScoreRow(BaseModel):
    sample_id: int
    run_id: str
    check_name: str
    kind: str
    passed: bool
    score: float
    weight: float = 1.0
    must_pass: bool = False
    reason: str = ""
    skipped: bool = False


class LabelRow(BaseModel):
    sample_id: int
    thumbs: int  # +1 up, -1 down
    comment: str = ""
    labelled_at: float = 0.0


def create_run(store: Store, row: RunRow) -> None:
    with store.db.conn:
        store.db["eval_runs"].insert(row.model_dump())


def set_run_status(store: Store, run_id: str, status: str) -> None:
    finished = now() if status == "done" else None
    with store.db.conn:
        store.db.execute("UPDATE eval_runs SET status = ?, finished_at = ? WHERE id = ?",
                         [status, finished, run_id])


def get_run(store: Store, run_id: str) -> RunRow | None:
    rows = list(store.db["eval_runs"].rows_where("id = ?", [run_id]))
    return RunRow(**rows[0]) if rows else None


def find_runs(store: Store, prefix: str) -> list[str]:
    """Run ids starting with `prefix` (users type the first few characters)."""
    return [r[0] for r in store.db.execute(
        "SELECT id FROM eval_runs WHERE id LIKE ? ORDER BY started_at DESC", [prefix + "%"])]


def list_runs(store: Store, limit: int = 50) -> list[tuple[RunRow, int]]:
    """Newest first, each with how many samples it stored."""
    rows = store.db.execute(
        "SELECT r.*, (SELECT COUNT(*) FROM eval_samples s WHERE s.run_id = r.id) AS n "
        "FROM eval_runs r ORDER BY r.started_at DESC LIMIT ?", [limit]).fetchall()
    columns = [d[0] for d in store.db.execute("SELECT * FROM eval_runs LIMIT 0").description]
    return [(RunRow(**dict(zip(columns, row[:-1], strict=True))), int(row[-1])) for row in rows]


_SAMPLE_COLUMNS = [name for name in SampleRow.model_fields if name != "id"]
_SCORE_COLUMNS = [*ScoreRow.model_fields, "created_at"]


def add_sample(store: Store, row: SampleRow) -> int:
    # Plain SQL: sqlite-utils' insert introspects the table on every call, and this runs
    # once per sample (the harness's overhead budget is a few milliseconds).
    data = row.model_dump(exclude={"id"})
    data["created_at"] = data["created_at"] or now()
    with store.db.conn:
        cursor = store.db.conn.execute(
            f"INSERT INTO eval_samples ({', '.join(_SAMPLE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_SAMPLE_COLUMNS))})",
            [data[c] for c in _SAMPLE_COLUMNS])
        return int(cursor.lastrowid or 0)


def samples_of(store: Store, run_id: str) -> list[SampleRow]:
    return [SampleRow(**r) for r in store.db["eval_samples"].rows_where(
        "run_id = ?", [run_id], order_by="id")]


def sample(store: Store, sample_id: int) -> SampleRow | None:
    rows = list(store.db["eval_samples"].rows_where("id = ?", [sample_id]))
    return SampleRow(**rows[0]) if rows else None


def cached_sample(store: Store, cache_key: str) -> SampleRow | None:
    """An earlier error-free reply to the same request, model digest and sample index."""
    cursor = store.db.conn.execute(
        "SELECT * FROM eval_samples WHERE cache_key = ? AND (error IS NULL OR error = '') "
        "AND cached_from IS NULL ORDER BY id LIMIT 1", [cache_key])
    found = cursor.fetchone()
    if found is None:
        return None
    return SampleRow(**dict(zip([d[0] for d in cursor.description], found, strict=True)))


def put_scores(store: Store, scores: list[ScoreRow]) -> None:
    """Insert or replace each (sample, check) score."""
    rows: list[list[Any]] = []
    for score in scores:
        row = score.model_dump()
        row.update(passed=int(score.passed), must_pass=int(score.must_pass),
                   skipped=int(score.skipped), created_at=now())
        rows.append([row[c] for c in _SCORE_COLUMNS])
    if not rows:
        return
    with store.db.conn:  # (sample_id, check_name) is unique: a new score replaces the old
        store.db.conn.executemany(
            f"INSERT OR REPLACE INTO eval_scores ({', '.join(_SCORE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(_SCORE_COLUMNS))})", rows)


def delete_scores(store: Store, run_id: str, checks: list[str] | None = None) -> None:
    with store.db.conn:
        if checks is None:
            store.db.execute("DELETE FROM eval_scores WHERE run_id = ?", [run_id])
        else:
            marks = ",".join("?" * len(checks))
            store.db.execute(
                f"DELETE FROM eval_scores WHERE run_id = ? AND check_name IN ({marks})",
                [run_id, *checks])


def scores_of(store: Store, run_id: str) -> list[ScoreRow]:
    return [ScoreRow(**r) for r in store.db["eval_scores"].rows_where(
        "run_id = ?", [run_id], order_by="id")]


def set_label(store: Store, label: LabelRow) -> None:
    data = label.model_dump()
    data["labelled_at"] = data["labelled_at"] or now()
    with store.db.conn:
        store.db["eval_labels"].upsert(data, pk="sample_id")


def labels_of(store: Store, run_id: str) -> dict[int, LabelRow]:
    rows = store.db.execute(
        "SELECT l.sample_id, l.thumbs, l.comment, l.labelled_at FROM eval_labels l "
        "JOIN eval_samples s ON s.id = l.sample_id WHERE s.run_id = ?", [run_id]).fetchall()
    return {r[0]: LabelRow(sample_id=r[0], thumbs=r[1], comment=r[2] or "", labelled_at=r[3])
            for r in rows}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class TurnCall(BaseModel):
    """One model call of a stored turn, as `ingle eval capture` reads it."""

    turn_id: str
    ok: bool
    turn_outcome: str
    persona: str
    call_outcome: str
    request_json: str
    reply_text: str


def turn_calls(store: Store, turn: str) -> list[TurnCall]:
    """The calls of the turn whose id is `turn` (or starts with it; "last": the newest),
    oldest first. Empty when no such turn or it made no calls."""
    if turn == "last":
        found = store.db.execute("SELECT turn_id FROM turns ORDER BY started_at DESC LIMIT 1")
    else:
        found = store.db.execute("SELECT turn_id FROM turns WHERE turn_id LIKE ? "
                                 "ORDER BY started_at DESC LIMIT 2", [turn + "%"])
    ids = [r[0] for r in found.fetchall()]
    if len(ids) != 1 and turn not in ids:
        return []
    turn_id = turn if turn in ids else ids[0]
    rows = store.db.execute(
        "SELECT t.turn_id, t.ok, t.outcome, t.persona, COALESCE(c.outcome, ''), c.request_json, "
        "COALESCE(c.reply_text, '') FROM turns t JOIN model_calls c ON c.turn_id = t.turn_id "
        "WHERE t.turn_id = ? ORDER BY c.started_at, c.id", [turn_id]).fetchall()
    return [TurnCall(turn_id=r[0], ok=bool(r[1]), turn_outcome=r[2] or "", persona=r[3] or "",
                     call_outcome=r[4], request_json=r[5] or "{}", reply_text=r[6])
            for r in rows]


class CandidateRow(BaseModel):
    """One persona candidate of a refine round, and what became of it."""

    refine_id: str
    persona: str
    round: int
    idx: int
    persona_toml: str
    rationale: str = ""
    run_id: str = ""
    score: float = 0.0
    baseline: float = 0.0
    accepted: bool = False
    verdict: str = ""
    cost_usd: float = 0.0
    saved_version: int | None = None
    created_at: float = 0.0


def add_candidate(store: Store, row: CandidateRow) -> None:
    data = row.model_dump()
    data.update(accepted=int(row.accepted), created_at=row.created_at or now())
    with store.db.conn:
        store.db["refine_candidates"].insert(data)


def candidates_of(store: Store, persona: str) -> list[CandidateRow]:
    return [CandidateRow(**{**r, "accepted": bool(r["accepted"])}) for r in
            store.db["refine_candidates"].rows_where("persona = ?", [persona], order_by="id",
                                                     select=", ".join(CandidateRow.model_fields))]


def set_star(store: Store, suite: str, case_id: str, starred: bool) -> None:
    """Star (or unstar) a case of a suite; stars outlive runs."""
    with store.db.conn:
        if starred:
            store.db["eval_stars"].upsert(
                {"suite": suite, "case_id": case_id, "starred_at": now()}, pk=("suite", "case_id"))
        else:
            store.db.execute("DELETE FROM eval_stars WHERE suite = ? AND case_id = ?",
                             [suite, case_id])


def stars_of(store: Store, suite: str) -> set[str]:
    return {r[0] for r in store.db.execute(
        "SELECT case_id FROM eval_stars WHERE suite = ?", [suite]).fetchall()}
