"""What the expenses service takes and returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from ingle.memory.expenses import ExpenseRow, RuleRow

DEFAULT_CATEGORIES = [
    "groceries", "dining", "transport", "fuel", "housing", "utilities", "health",
    "entertainment", "shopping", "travel", "subscriptions", "education", "fees",
    "transfers", "income", "other",
]

Path = Literal["rule", "neighbours", "model", "model+neighbours", "user", "none"]


class ParsedLine(BaseModel):
    """One expense read from text or a file row, before classification."""

    date: dt.date
    amount: Decimal  # >= 0
    currency: str
    direction: Literal["out", "in"] = "out"
    text: str
    merchant: str
    line: int | None = None  # the file's line number, for messages


class Classification(BaseModel):
    category: str | None
    confidence: float
    path: Path
    reason: str
    model_calls: int = 0
    problem: str = ""  # why the classifier could not be asked, when it could not


class Expense(BaseModel):
    """An expense as the CLI and the pane show it."""

    id: int
    date: str
    amount: str
    currency: str
    direction: str
    text: str
    merchant: str
    category: str | None
    status: str
    confidence: float
    path: str
    reason: str
    sink: str = ""  # delivered / failed (exit N) / pending / "" (no sink)

    @classmethod
    def of(cls, row: ExpenseRow, sink: str = "") -> Expense:
        assert row.id is not None
        return cls(
            id=row.id, date=row.date, amount=str(row.amount), currency=row.currency,
            direction=row.direction, text=row.text, merchant=row.merchant, category=row.category,
            status=row.status, confidence=round(row.confidence, 3), path=row.path,
            reason=row.reason, sink=sink,
        )


class BadRow(BaseModel):
    line: int
    reason: str


class ImportReport(BaseModel):
    file: str
    profile: str | None
    added: list[Expense] = Field(default_factory=list)
    duplicates: int = 0
    bad_rows: list[BadRow] = Field(default_factory=list)
    model_calls: int = 0  # lines the classifier answered
    classifier_problem: str = ""  # why it could not be asked, when it could not
    columns: dict[str, str] = Field(default_factory=dict)


class FixResult(BaseModel):
    expense: Expense
    created_category: bool
    learned_rule: RuleRow | None = None


class CategoryTotal(BaseModel):
    month: str
    category: str
    currency: str
    direction: str
    total: str
    count: int
