"""Corrections: what a model got wrong and what the user made of it, used two ways.

- `nearest(domain, text)`: the closest earlier corrections by BM25, to show a model as
  few-shot examples for a similar input (`few_shot` gives them as (input, answer) pairs).
- `rule_candidates(domain)`: two or more corrections of the same pattern that all agree,
  offered to the user as a deterministic rule; `accept_rule` saves one and `rule_for`
  applies it (the domain decides whether rules make sense, e.g. expense categories).
"""

from __future__ import annotations

from ingle.memory import corrections as rows
from ingle.memory.corrections import CorrectionRow, RuleRow, default_pattern
from ingle.memory.store import Store
from ingle.core.memories.models import RuleCandidate

MIN_SUPPORT = 2  # consistent corrections before a rule is offered


class CorrectionsService:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, domain: str, input: str, output: str, corrected: str, note: str = "",
               source: str = "", *, persona: str = "", pattern: str | None = None) -> CorrectionRow:
        """Keep one correction. `pattern` groups corrections into rules (default: the
        input's words without digits)."""
        if not domain.strip():
            raise ValueError("a correction needs a domain")
        if not input.strip():
            raise ValueError("a correction needs the input it corrects")
        return rows.insert_correction(self.store, domain=domain, input=input, output=output,
                                      corrected=corrected, note=note, source=source,
                                      persona=persona, pattern=pattern)

    def record_edited_answer(self, *, persona: str, question: str, answer: str, corrected: str,
                             note: str = "") -> CorrectionRow:
        """The user rewrote the model's answer in the chat (`/correct TEXT`)."""
        return self.record("chat", question, answer, corrected, note, "edited answer",
                           persona=persona)

    def record_undone_commit(self, *, persona: str, instruction: str, subject: str, sha: str,
                             diff: str) -> CorrectionRow:
        """The user undid the commit a turn made (`/undo`): the change was not wanted."""
        return self.record("commit", instruction or subject, diff[:4000] or subject, "",
                           f"the user undid commit {sha}: {subject}", "undone commit",
                           persona=persona)

    def nearest(self, domain: str, text: str, k: int = 3) -> list[CorrectionRow]:
        return rows.nearest(self.store, domain, text, k)

    def few_shot(self, domain: str, text: str, k: int = 3) -> list[tuple[str, str]]:
        """The nearest corrections as (input, corrected answer) exchanges, most similar last
        (small models follow the example nearest the question best)."""
        return [(c.input, c.corrected) for c in reversed(self.nearest(domain, text, k))
                if c.corrected.strip()]

    def list(self, domain: str | None = None, limit: int = 100) -> list[CorrectionRow]:
        return rows.list_corrections(self.store, domain, limit)

    def rule_candidates(self, domain: str, min_support: int = MIN_SUPPORT) -> list[RuleCandidate]:
        """Patterns whose corrections all agree, at least `min_support` of them, that have
        no rule saying so yet. Most supported first."""
        existing = {(r.pattern, r.output) for r in rows.rules(self.store, domain)}
        found: list[RuleCandidate] = []
        for pattern, group in rows.by_pattern(self.store, domain).items():
            outputs = {c.corrected.strip() for c in group}
            if len(group) < min_support or len(outputs) != 1:
                continue
            output = outputs.pop()
            if (pattern, output) in existing:
                continue
            found.append(RuleCandidate(domain=domain, pattern=pattern, output=output,
                                       support=len(group), examples=[c.input for c in group]))
        return sorted(found, key=lambda c: (-c.support, c.pattern))

    def accept_rule(self, domain: str, pattern: str, output: str) -> RuleRow:
        support = len(rows.by_pattern(self.store, domain).get(pattern, []))
        return rows.save_rule(self.store, domain, pattern, output, support)

    def rules(self, domain: str) -> list[RuleRow]:
        return rows.rules(self.store, domain)

    def drop_rule(self, domain: str, pattern: str) -> bool:
        return rows.delete_rule(self.store, domain, pattern)

    def rule_for(self, domain: str, input: str, pattern: str | None = None) -> RuleRow | None:
        """The accepted rule that decides `input`, if any (same pattern as when recorded)."""
        key = pattern if pattern is not None else default_pattern(input)
        found = rows.rules(self.store, domain, pattern=key)
        return found[0] if found else None
