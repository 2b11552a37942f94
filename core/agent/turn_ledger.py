"""A finished turn in the ledger (`ingle stats`): outcome, attempts, the rung it ended on."""

from __future__ import annotations

import time
from pathlib import Path

from ingle.core.agent.events import AttemptStarted, TurnFinished
from ingle.memory.ledger import TurnRecord, record_turn
from ingle.memory.store import Store


def record_turn_finished(
    store: Store, root: Path, persona: str, kind: str, event: TurnFinished,
    attempts: list[AttemptStarted],
) -> None:
    last = attempts[-1] if attempts else None
    record_turn(
        store,
        TurnRecord(
            turn_id=event.turn_id, started_at=time.time() - event.duration_s,
            duration_s=event.duration_s, repo=str(root), persona=persona,
            task_kind=kind, outcome=event.outcome, ok=event.ok, attempts=len(attempts),
            final_rung=last.rung if last else 0, final_model=last.model if last else "",
            final_endpoint=last.endpoint if last else "", prompt_tokens=event.prompt_tokens,
            output_tokens=event.output_tokens, thinking_tokens=event.thinking_tokens,
            cost_usd=event.cost_usd, tokens_estimated=event.tokens_estimated,
        ),
    )
