"""The expense tools: classify a line as `ingle expense add` would, or record it.

Both run the same pipeline as the CLI (rules, nearest confirmed lines, the classifier
persona); recording stores the expense and, when confirmed, sends it to the user's sink.
"""

from __future__ import annotations

from pydantic import BaseModel

from ingle.core.expenses.service import ExpensesService


class ExpenseClassification(BaseModel):
    """What the expense would be filed as; nothing is stored."""

    category: str | None
    confidence: float
    confirmed: bool  # at or above the user's confidence threshold
    how: str  # rule, neighbours, model, model+neighbours, none
    reason: str
    amount: str
    currency: str
    direction: str
    date: str
    merchant: str


class RecordedExpense(BaseModel):
    id: int
    category: str | None
    status: str  # confirmed, or pending (the user will be asked)
    confidence: float
    reason: str
    amount: str
    currency: str
    date: str
    merchant: str
    sink: str  # delivered / failed ... / "" when no sink is configured


async def classify_expense(service: ExpensesService, text: str) -> ExpenseClassification:
    line, result = await service.classify_text(text)
    return ExpenseClassification(
        category=result.category, confidence=result.confidence,
        confirmed=result.category is not None
        and result.confidence >= service.settings.confidence_threshold,
        how=result.path, reason=result.reason, amount=str(line.amount), currency=line.currency,
        direction=line.direction, date=line.date.isoformat(), merchant=line.merchant,
    )


async def record_expense(service: ExpensesService, text: str) -> RecordedExpense:
    expense = await service.add(text, source="mcp")
    return RecordedExpense(
        id=expense.id, category=expense.category, status=expense.status,
        confidence=expense.confidence, reason=expense.reason, amount=expense.amount,
        currency=expense.currency, date=expense.date, merchant=expense.merchant, sink=expense.sink,
    )
