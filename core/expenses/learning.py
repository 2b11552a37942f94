"""Learning from corrections, through the memories feature's corrections log (domain
"expenses", grouped by the normalised merchant): the nearest ones become few-shot examples
for the model, and consistent ones a deterministic rule (shown in `ingle expense rules`,
removable). A correction against a learned rule removes that rule: it was wrong."""

from __future__ import annotations

from collections.abc import Sequence

from ingle.core.expenses.classify import Example
from ingle.core.expenses.models import ParsedLine
from ingle.core.memories.corrections import CorrectionsService
from ingle.memory.expenses import ExpenseRow, RuleRow, add_rule, delete_rule, rules
from ingle.memory.store import Store

DOMAIN = "expenses"
EXAMPLES = 3


class LearnedRules:
    def __init__(self, store: Store, learn_after: int) -> None:
        self.store = store
        self.learn_after = learn_after
        self.corrections = CorrectionsService(store)

    def after_correction(self, row: ExpenseRow, previous: str | None, category: str) -> RuleRow | None:
        """Record the user's answer; return the learned rule it completes, if any."""
        self.corrections.record(DOMAIN, row.text, previous or "", category,
                                note=f"expense #{row.id}", source="re-categorised expense",
                                pattern=row.merchant)
        mine = [r for r in rules(self.store) if r.kind == "is" and r.field == "merchant"
                and r.pattern == row.merchant]
        for wrong in (r for r in mine if r.origin == "learned" and r.category != category):
            assert wrong.id is not None
            delete_rule(self.store, wrong.id)
            self.corrections.drop_rule(DOMAIN, row.merchant)
        if any(r.category == category for r in mine) or any(r.origin == "user" for r in mine):
            return None  # a rule already says so, or the user's own rule stays theirs
        candidate = next((c for c in self.corrections.rule_candidates(DOMAIN, self.learn_after)
                          if c.pattern == row.merchant and c.output == category), None)
        if candidate is None:
            return None
        self.corrections.accept_rule(DOMAIN, candidate.pattern, candidate.output)
        rule = RuleRow(kind="is", field="merchant", pattern=row.merchant, category=category,
                       origin="learned")
        rule.id = add_rule(self.store, rule)
        return rule

    def forget_rule(self, rule: RuleRow) -> None:
        """A learned rule the user removed: the corrections log forgets it too."""
        if rule.origin == "learned":
            self.corrections.drop_rule(DOMAIN, rule.pattern)

    def examples_for(self, lines: Sequence[ParsedLine]) -> list[Example]:
        """The corrections nearest to these lines (BM25), at most three for the batch."""
        chosen: dict[int, Example] = {}
        for line in lines:
            for found in self.corrections.nearest(DOMAIN, line.text, EXAMPLES):
                if found.id is not None and found.id not in chosen:
                    chosen[found.id] = Example(text=found.input, category=found.corrected)
            if len(chosen) >= EXAMPLES:
                break
        return list(chosen.values())[:EXAMPLES]
