"""Rules, most specific first: the user's before learned ones; "is" before a regex before
"contains"; an amount range and a longer pattern are more specific."""

from __future__ import annotations

import re
from decimal import Decimal

from ingle.core.errors import UsageError
from ingle.memory.expenses import RuleRow

_KIND_ORDER = {"is": 0, "regex": 1, "contains": 2}


def specificity(rule: RuleRow) -> tuple[int, int, int, int]:
    """Smaller sorts first."""
    ranged = rule.min_amount is not None or rule.max_amount is not None
    return (0 if rule.origin == "user" else 1, _KIND_ORDER[rule.kind], 0 if ranged else 1,
            -len(rule.pattern))


def ordered(rules: list[RuleRow]) -> list[RuleRow]:
    return sorted(rules, key=specificity)


def matches(rule: RuleRow, *, merchant: str, text: str, amount: Decimal) -> bool:
    subject = merchant if rule.field == "merchant" else text.lower()
    pattern = rule.pattern.lower()
    if rule.kind == "is":
        hit = subject == pattern
    elif rule.kind == "contains":
        hit = pattern in subject
    else:
        hit = re.search(rule.pattern, subject, re.IGNORECASE) is not None
    if not hit:
        return False
    if rule.min_amount is not None and amount < rule.min_amount:
        return False
    return not (rule.max_amount is not None and amount > rule.max_amount)


def first_match(rules: list[RuleRow], *, merchant: str, text: str, amount: Decimal) -> RuleRow | None:
    return next((r for r in ordered(rules) if matches(r, merchant=merchant, text=text, amount=amount)), None)


def describe(rule: RuleRow) -> str:
    what = f"{rule.field} {rule.kind} {rule.pattern!r}"
    if rule.min_amount is not None or rule.max_amount is not None:
        low = rule.min_amount if rule.min_amount is not None else "0"
        high = rule.max_amount if rule.max_amount is not None else "any"
        what += f", amount {low}..{high}"
    return f"{rule.origin} rule #{rule.id}: {what} -> {rule.category}"


def check_pattern(kind: str, pattern: str) -> None:
    if not pattern.strip():
        raise UsageError("a rule needs a pattern", "for example: --contains uber")
    if kind == "regex":
        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"the regex {pattern!r} does not compile: {exc}",
                             "check the brackets and escapes") from exc


_RULE_TEXT = re.compile(
    r"^\s*(?:(?P<field>merchant|text)\s+)?(?P<kind>is|contains|regex)\s+(?P<pattern>.+?)"
    r"(?:\s+amount\s+(?P<low>[\d.]*)\s*\.\.\s*(?P<high>[\d.]*))?\s*->\s*(?P<category>.+?)\s*$",
    re.IGNORECASE,
)


def parse_rule(text: str) -> RuleRow:
    """A rule as the pane's rules editor takes it:
    "[merchant|text] is|contains|regex PATTERN [amount LOW..HIGH] -> CATEGORY"."""
    m = _RULE_TEXT.match(text)
    if m is None:
        raise UsageError(f"cannot read the rule {text!r}",
                         "write it as: contains uber -> transport (or is / regex; add "
                         "'amount 0..50' before the arrow for a range)")
    kind = m["kind"].lower()
    pattern = m["pattern"].strip().strip("'\"")
    check_pattern(kind, pattern)
    return RuleRow(
        kind=kind, field=(m["field"] or "merchant").lower(),  # type: ignore[arg-type]
        pattern=pattern if kind == "regex" else pattern.lower(),
        min_amount=Decimal(m["low"]) if m["low"] else None,
        max_amount=Decimal(m["high"]) if m["high"] else None, category=m["category"].strip(),
    )
