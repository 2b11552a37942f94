"""Choosing a category: rules, then the nearest confirmed transactions, then the model.

Confidence comes from the path taken and from agreement, not from the model's self-rating
alone: a rule is certain, neighbours that agree are nearly so, and the model is trusted
more when it agrees with the neighbours and less when it contradicts them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ingle.core.backends.calls import PersonaCaller
from ingle.core.errors import IngleError
from ingle.core.expenses import rules as rule_order
from ingle.core.expenses.models import Classification, ParsedLine
from ingle.memory.expenses import ExpenseRow, RuleRow, nearest_confirmed
from ingle.memory.store import Store
from ingle.personas.resolved import ResolvedPersona

USER_RULE_CONFIDENCE = 1.0
LEARNED_RULE_CONFIDENCE = 0.95
NEIGHBOURS_AGREE_CONFIDENCE = 0.9
SAME_MERCHANT_CONFIDENCE = 0.85
MODEL_WITH_NEIGHBOURS_CONFIDENCE = 0.88
MODEL_AGAINST_NEIGHBOURS_CONFIDENCE = 0.4
# The model alone: 0.45 + 0.4 x its own rating, so its rating moves it but never to certainty.
MODEL_BASE, MODEL_WEIGHT = 0.45, 0.4
NEIGHBOURS = 5
LINES_PER_REQUEST = 40  # one request per batch; fewer when the window is small


class Example(BaseModel):
    """A past correction shown to the model: the line and the category the user chose."""

    text: str
    category: str


def by_rules(line: ParsedLine, rules: list[RuleRow]) -> Classification | None:
    rule = rule_order.first_match(rules, merchant=line.merchant, text=line.text, amount=line.amount)
    if rule is None:
        return None
    confidence = USER_RULE_CONFIDENCE if rule.origin == "user" else LEARNED_RULE_CONFIDENCE
    return Classification(category=rule.category, confidence=confidence, path="rule",
                          reason=rule_order.describe(rule))


def neighbours_of(store: Store, line: ParsedLine) -> list[ExpenseRow]:
    return [row for row, _ in nearest_confirmed(store, line.merchant, NEIGHBOURS)]


def by_neighbours(line: ParsedLine, neighbours: list[ExpenseRow]) -> Classification | None:
    """Accept when the nearest confirmed transactions agree: the top three (at least two)
    all in one category, or an earlier confirmed line from the very same merchant."""
    if not neighbours:
        return None
    top = [n.category for n in neighbours[:3]]
    if len(top) >= 2 and len(set(top)) == 1 and top[0]:
        return Classification(
            category=top[0], confidence=NEIGHBOURS_AGREE_CONFIDENCE, path="neighbours",
            reason=f"the {len(top)} nearest confirmed lines ({_names(neighbours[:3])}) are all {top[0]}",
        )
    same = [n for n in neighbours if n.merchant == line.merchant and n.category]
    if same and len({n.category for n in same}) == 1:
        return Classification(
            category=same[0].category, confidence=SAME_MERCHANT_CONFIDENCE, path="neighbours",
            reason=f"'{line.merchant}' was confirmed as {same[0].category} before",
        )
    return None


def _names(rows: Sequence[ExpenseRow]) -> str:
    return ", ".join(f"#{r.id} {r.merchant}" for r in rows)


def schema_for(categories: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "line": {"type": "integer", "minimum": 1},
                        "category": {"type": "string", "enum": categories},
                        "merchant": {"type": "string"},
                        "amount": {"type": "string"},
                        "date": {"type": "string"},
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                    "required": ["line", "category", "merchant", "amount", "date", "confidence"],
                },
            },
        },
        "required": ["items"],
    }


def prompt_for(lines: Sequence[ParsedLine], categories: list[str], examples: Sequence[Example]) -> str:
    parts = ["Categories: " + ", ".join(categories)]
    if examples:
        parts.append("Past corrections by the person (line -> category):")
        parts += [f"- {e.text} -> {e.category}" for e in examples]
    parts.append("Lines:")
    for number, line in enumerate(lines, start=1):
        sign = "-" if line.direction == "out" else "+"
        parts.append(f"{number}. {line.date.isoformat()} {sign}{line.amount} {line.currency} {line.text}")
    return "\n".join(parts)


class ModelVerdict(BaseModel):
    category: str
    merchant: str
    confidence: float
    amount: str = ""


async def ask_model(
    caller: PersonaCaller, persona: ResolvedPersona, lines: Sequence[ParsedLine],
    categories: list[str], examples: Sequence[Example], model: str | None = None,
) -> list[ModelVerdict | None]:
    """One schema-bound request for a batch of lines: a verdict per line (None where the
    model skipped one). Raises IngleError when the model cannot be asked."""
    schema = schema_for(categories)
    result = await caller.call(
        persona, prompt_for(lines, categories, examples), task_kind="classification",
        json_schema=schema, think=False, temperature=0.1, model=model,
    )
    items = (result.parsed_json or {}).get("items", []) if isinstance(result.parsed_json, dict) else []
    verdicts: list[ModelVerdict | None] = [None] * len(lines)
    for item in items:
        index = int(item.get("line", 0)) - 1
        if 0 <= index < len(lines) and verdicts[index] is None:
            verdicts[index] = ModelVerdict(
                category=item["category"], merchant=str(item.get("merchant", "")),
                confidence=float(item.get("confidence", 0.0)), amount=str(item.get("amount", "")),
            )
    return verdicts


def combine(line: ParsedLine, verdict: ModelVerdict | None, neighbours: list[ExpenseRow]) -> Classification:
    """The model's answer, weighed against the nearest confirmed lines and our own reading."""
    if verdict is None:
        return Classification(category=None, confidence=0.0, path="none",
                               reason="the classifier gave no answer for this line", model_calls=1)
    hint = _majority(neighbours)
    if hint is not None and hint == verdict.category:
        confidence, path = MODEL_WITH_NEIGHBOURS_CONFIDENCE, "model+neighbours"
        reason = f"the classifier and the nearest confirmed lines ({_names(neighbours[:3])}) agree"
    elif hint is not None:
        confidence, path = MODEL_AGAINST_NEIGHBOURS_CONFIDENCE, "model"
        reason = f"the classifier said {verdict.category}, but similar confirmed lines are {hint}"
    else:
        confidence = MODEL_BASE + MODEL_WEIGHT * max(0.0, min(verdict.confidence, 1.0))
        path = "model"
        reason = f"the classifier chose it (its own confidence {verdict.confidence:.2f}; no similar confirmed lines)"
    if verdict.amount and not _same_amount(verdict.amount, line.amount):
        confidence = min(confidence, MODEL_AGAINST_NEIGHBOURS_CONFIDENCE)
        reason += f"; it read the amount as {verdict.amount}, not {line.amount}"
    return Classification(category=verdict.category, confidence=round(confidence, 3), path=path,
                          reason=reason, model_calls=1)


def _majority(neighbours: list[ExpenseRow]) -> str | None:
    votes = Counter(n.category for n in neighbours[:3] if n.category)
    if not votes:
        return None
    category, count = votes.most_common(1)[0]
    return category if count * 2 > sum(votes.values()) else None


def _same_amount(text: str, amount: Decimal) -> bool:
    try:
        return abs(Decimal(text.replace(",", ".").strip().lstrip("-+$")) ) == amount
    except Exception:  # noqa: BLE001 - any unreadable figure counts as a disagreement
        return False


def unreachable(error: IngleError) -> Classification:
    return Classification(
        category=None, confidence=0.0, path="none",
        reason=f"the classifier could not be asked ({error.message}); "
        "set the category with `ingle expense fix ID CATEGORY`",
        problem=str(error),
    )

