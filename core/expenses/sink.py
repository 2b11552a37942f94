"""Where confirmed expenses go: the user's own command, one JSON line on its stdin each.

The delivery row is written before the command runs, so a crash mid-call leaves the
expense marked undelivered and the next command retries it; the store stays the record.
"""

from __future__ import annotations

import json
import subprocess

from pydantic import BaseModel

from ingle.core.config.expenses import ExpenseSinkSettings
from ingle.memory.expenses import ExpenseRow, mark_pending_delivery, record_delivery
from ingle.memory.store import Store


class Delivery(BaseModel):
    expense_id: int
    exit_status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


def expense_json(row: ExpenseRow) -> str:
    return json.dumps({
        "id": row.id, "date": row.date, "amount": str(row.amount), "currency": row.currency,
        "direction": row.direction, "text": row.text, "merchant": row.merchant,
        "category": row.category, "confidence": row.confidence, "path": row.path,
    }, ensure_ascii=False)


def deliver(store: Store, settings: ExpenseSinkSettings, row: ExpenseRow) -> Delivery | None:
    """Send one confirmed expense to the sink command; None when no sink is configured."""
    if not settings.command or row.id is None:
        return None
    mark_pending_delivery(store, row.id)
    try:
        done = subprocess.run(
            settings.command, input=expense_json(row) + "\n", capture_output=True, text=True,
            timeout=settings.timeout_s, check=False,
        )
        status, error = done.returncode, done.stderr.strip()[-500:]
    except subprocess.TimeoutExpired:
        status, error = None, f"timed out after {settings.timeout_s:g} s"
    except OSError as exc:
        status, error = None, f"could not start {settings.command[0]}: {exc.strerror}"
    record_delivery(store, row.id, status, error)
    return Delivery(expense_id=row.id, exit_status=status, error=error)
