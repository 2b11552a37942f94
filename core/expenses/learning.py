"""Learning from corrections: the user's fixes become few-shot examples for the model and,
once consistent, a deterministic rule (shown in `ingle expense rules`, removable)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ingle.core.expenses.classify import Example
from ingle.core.expenses.models import ParsedLine
from ingle.memory.expenses import ExpenseRow, RuleRow, add_rule, delete_rule, rules
from ingle.memory.store import Store

EXAMPLES = 3


class LearnedRules:
    def __init__(self, store: Store, learn_after: int) -> None:
        self.store = store
        self.learn_after = learn_after

    def after_correction(self, row: ExpenseRow, previous: str | None, category: str) -> RuleRow | None:
        """A learned rule for the row's merchant when the user's last `learn_after` choices
        for it agree and no rule says so yet; None otherwise."""
        recent = [r["category"] for r in self.store.db.query(
            "SELECT category FROM expenses WHERE merchant = ? AND path = 'user' "
            "ORDER BY confirmed_at DESC, id DESC LIMIT ?", [row.merchant, self.learn_after],
        )]
        if len(recent) < self.learn_after or len(set(recent)) != 1:
            return None
        existing = [r for r in rules(self.store) if r.kind == "is" and r.field == "merchant"
                    and r.pattern == row.merchant]
        if any(r.category == category for r in existing):
            return None
        if any(r.origin == "user" for r in existing):  # the user's own rule stays theirs
            return None
        for old in existing:  # a learned rule the user has now corrected twice: replace it
            assert old.id is not None
            delete_rule(self.store, old.id)
        rule = RuleRow(kind="is", field="merchant", pattern=row.merchant, category=category,
                       origin="learned")
        rule.id = add_rule(self.store, rule)
        return rule

    def examples_for(self, lines: Sequence[ParsedLine]) -> list[Example]:
        """The corrections nearest to these lines (BM25 on the merchant), at most three."""
        scored: dict[int, tuple[float, Example]] = {}
        for line in lines:
            words = [w for w in line.merchant.replace('"', " ").split() if w]
            if not words:
                continue
            try:
                found = list(self.store.db.query(
                    "SELECT e.id, e.text, e.category, bm25(expenses_fts) AS score FROM expenses_fts "
                    "JOIN expenses e ON e.id = expenses_fts.rowid WHERE expenses_fts MATCH ? "
                    "AND e.path = 'user' ORDER BY score LIMIT ?",
                    [" OR ".join(f'"{w}"' for w in words), EXAMPLES],
                ))
            except sqlite3.OperationalError:
                continue
            for hit in found:
                score = float(hit["score"])  # lower is nearer
                if hit["id"] not in scored or score < scored[hit["id"]][0]:
                    scored[hit["id"]] = (score, Example(text=hit["text"], category=hit["category"]))
        return [e for _, e in sorted(scored.values(), key=lambda p: p[0])[:EXAMPLES]]
