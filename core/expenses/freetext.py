"""One expense from what a person types: "uber 23.50 to airport", "almoço 32,90 ontem",
"R$ 45 farmácia 02/11". The amount and the date are taken out; what is left is the text,
and the words before the amount (or all of it) the merchant."""

from __future__ import annotations

import datetime as dt
import re

from ingle.core.errors import UsageError
from ingle.core.expenses.amounts import NUMBER, AmountError, parse_amount
from ingle.core.expenses.dates import DateError, find_date
from ingle.core.expenses.merchants import normalise_merchant
from ingle.core.expenses.models import ParsedLine

_INCOME = re.compile(r"\b(?:salary|salário|salario|refund|reembolso|received|recebi|income)\b", re.I)
_CURRENCY_WORDS = re.compile(r"(?:US\$|R\$|[$€£¥])|\b(?:USD|BRL|EUR|GBP|ZAR|reais|dollars)\b", re.I)


def _amount_match(text: str) -> re.Match[str] | None:
    """The amount among the numbers: not a "#12" store number, and one with cents first."""
    candidates = [m for m in NUMBER.finditer(text) if not text[:m.start()].rstrip().endswith("#")]
    with_cents = [m for m in candidates if re.search(r"[.,]\d{1,2}\)?-?$", m.group(0))]
    return (with_cents or candidates or [None])[0]


def parse_free_text(text: str, *, today: dt.date, currency: str) -> ParsedLine:
    line = " ".join(text.split())
    if not line:
        raise UsageError("nothing to add", 'type the expense, for example: ingle expense add "uber 23.50 to airport"')
    rest = line
    date = today
    try:
        found = find_date(rest, today=today)
    except DateError as exc:
        raise UsageError(str(exc), "write the date as YYYY-MM-DD or DD/MM") from exc
    if found is not None:
        date, words = found
        rest = rest.replace(words, " ", 1)
    stripped = _CURRENCY_WORDS.sub(" ", rest)
    match = _amount_match(stripped)
    if match is None:
        raise UsageError(f"no amount in {line!r}", 'put the amount in the text, e.g. "lunch 12.50"')
    try:
        money = parse_amount(match.group(0))
    except AmountError as exc:
        raise UsageError(str(exc), 'write the amount as 12.50 or 12,50') from exc
    before = stripped[:match.start()].strip()
    remaining = " ".join((stripped[:match.start()] + " " + stripped[match.end():]).split())
    merchant_words = before or remaining
    merchant = normalise_merchant(re.sub(r"\b(?:to|at|for|para|no|na|em|de)\b.*$", "", merchant_words, flags=re.I) or merchant_words)
    code = parse_amount(line).currency if _CURRENCY_WORDS.search(line) else None
    return ParsedLine(
        date=date, amount=abs(money.amount), currency=code or currency,
        direction="in" if _INCOME.search(line) else "out", text=line, merchant=merchant,
    )
