"""The token and cost ledger: what every task cost, where it finished, what it saved.

Per-call rows live in `model_calls` (memory/call_log.py); this module adds the per-turn
rows and the sums `ingle stats`, the status bar and the spend cap read.
"""

from __future__ import annotations

import datetime as dt
import json

from pydantic import BaseModel, Field

from ingle.memory.store import Store

CLAUDE_BACKEND = "anthropic"


class TurnRecord(BaseModel):
    turn_id: str
    started_at: float
    duration_s: float
    repo: str
    persona: str
    task_kind: str
    outcome: str
    ok: bool
    attempts: int
    final_rung: int
    final_model: str
    final_endpoint: str
    prompt_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    cost_usd: float = 0.0
    # Some call of the turn had no usage from its server: the counts are estimates.
    tokens_estimated: bool = False


def record_turn(store: Store, record: TurnRecord) -> None:
    row = record.model_dump()
    row["ok"] = int(record.ok)
    row["tokens_estimated"] = int(record.tokens_estimated)
    with store.db.conn:
        store.db["turns"].upsert(row, pk="turn_id")


def tag_calls(store: Store, call_ids: list[int], turn_id: str, outcome: str) -> None:
    """Mark a turn's attempt calls with the turn and what became of the attempt
    (passed, failed_apply, failed_gate, timeout, escalated, answered, refused)."""
    if not call_ids:
        return
    marks = ",".join("?" * len(call_ids))
    with store.db.conn:
        store.db.execute(
            f"UPDATE model_calls SET turn_id = ?, outcome = ? WHERE id IN ({marks})",
            [turn_id, outcome, *call_ids],
        )


class BestOfPick(BaseModel):
    """A best-of-N turn's choice: the candidates drawn, each one's verdict, the kept one."""

    turn_id: str
    at: float
    candidates: int  # N asked for
    drawn: int  # drawn before one passed (or all N)
    kept: int  # 1-based
    kept_by: str  # passed | judge | first
    reason: str
    temperatures: list[float]
    verdicts: list[str]  # "passed" or why each failed


def record_best_of(store: Store, pick: BestOfPick) -> None:
    row = pick.model_dump()
    row["temperatures"] = json.dumps(pick.temperatures)
    row["verdicts"] = json.dumps(pick.verdicts)
    with store.db.conn:
        store.db["best_of_picks"].upsert(row, pk="turn_id")


def best_of_pick(store: Store, turn_id: str) -> BestOfPick | None:
    rows = list(store.db.query("SELECT * FROM best_of_picks WHERE turn_id = ?", [turn_id]))
    if not rows:
        return None
    row = dict(rows[0])
    row["temperatures"] = json.loads(row["temperatures"])
    row["verdicts"] = json.loads(row["verdicts"])
    return BestOfPick.model_validate(row)


def local_midnight(now: dt.datetime | None = None) -> float:
    """The start of today in local time, as a UNIX timestamp: the spend cap's day."""
    now = now or dt.datetime.now().astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def claude_spend_since(store: Store, since: float) -> float:
    row = store.db.execute(
        "SELECT COALESCE(SUM(cost_usd), 0) FROM model_calls WHERE backend = ? AND started_at >= ?",
        [CLAUDE_BACKEND, since],
    ).fetchone()
    return float(row[0] or 0.0)


class ModelUsage(BaseModel):
    model: str
    endpoint: str
    rung: int | None
    calls: int
    prompt_tokens: int
    output_tokens: int
    thinking_tokens: int
    seconds: float
    cost_usd: float


class LedgerStats(BaseModel):
    since: float
    by_model: list[ModelUsage] = Field(default_factory=list)
    turns: int = 0
    turns_ok: int = 0
    turns_finished_locally: int = 0
    local_output_tokens: int = 0
    local_thinking_tokens: int = 0
    claude_cost_usd: float = 0.0
    # What the same tokens would have cost had every call gone to Claude.
    all_claude_estimate_usd: float = 0.0

    @property
    def local_share(self) -> float:
        return self.turns_finished_locally / self.turns_ok if self.turns_ok else 0.0

    @property
    def thinking_overhead(self) -> float:
        """Hidden thinking as a share of everything local models generated."""
        return self.local_thinking_tokens / self.local_output_tokens if self.local_output_tokens else 0.0


def ledger_stats(store: Store, since: float, price_in: float, price_out: float) -> LedgerStats:
    """Sums since `since`; prices are the configured Claude model's, per million tokens."""
    stats = LedgerStats(since=since)
    rows = store.db.execute(
        "SELECT model, endpoint, backend, rung, COUNT(*), SUM(prompt_tokens), SUM(output_tokens), "
        "SUM(thinking_tokens), SUM(duration_s), COALESCE(SUM(cost_usd), 0) FROM model_calls "
        "WHERE started_at >= ? GROUP BY model, endpoint, backend, rung "
        "ORDER BY SUM(output_tokens) DESC",
        [since],
    ).fetchall()
    for model, endpoint, backend, rung, calls, prompt, output, thinking, seconds, cost in rows:
        prompt, output, thinking = int(prompt or 0), int(output or 0), int(thinking or 0)
        stats.by_model.append(
            ModelUsage(
                model=model, endpoint=endpoint, rung=rung, calls=calls, prompt_tokens=prompt,
                output_tokens=output, thinking_tokens=thinking, seconds=float(seconds or 0),
                cost_usd=float(cost),
            )
        )
        if backend == CLAUDE_BACKEND:
            stats.claude_cost_usd += float(cost)
            stats.all_claude_estimate_usd += float(cost)
        else:
            stats.local_output_tokens += output
            stats.local_thinking_tokens += thinking
            # Claude would have written the visible answer, not the hidden thinking.
            visible = max(output - thinking, 0)
            stats.all_claude_estimate_usd += (prompt * price_in + visible * price_out) / 1e6
    turn_rows = store.db.execute(
        "SELECT COUNT(*), COALESCE(SUM(ok), 0), "
        "COALESCE(SUM(CASE WHEN ok = 1 AND final_endpoint != 'claude' THEN 1 ELSE 0 END), 0) "
        "FROM turns WHERE started_at >= ?",
        [since],
    ).fetchone()
    stats.turns, stats.turns_ok, stats.turns_finished_locally = (int(v) for v in turn_rows)
    return stats
