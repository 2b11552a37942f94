"""Money from the text people and banks write: "23.50", "32,90", "38 624.93", "(45.00)",
"R$ 1.234,56", "-650.0", "1,234.56 CR". Decimal with a currency, never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel

# Symbols and codes, longest first so "R$" wins over "R" and "US$" over "$".
CURRENCY_MARKS: dict[str, str] = {
    "US$": "USD", "R$": "BRL", "€": "EUR", "£": "GBP", "$": "USD", "¥": "JPY",
    "USD": "USD", "BRL": "BRL", "EUR": "EUR", "GBP": "GBP", "ZAR": "ZAR", "JPY": "JPY",
    "CAD": "CAD", "AUD": "AUD", "CHF": "CHF", "reais": "BRL", "real": "BRL", "dollars": "USD",
}
_SPACES = "\u00a0\u202f\u2009 "
# A number with optional thousands groups (space, dot, comma or apostrophe) and decimals.
NUMBER = re.compile(r"[-+−]?\(?\d{1,3}(?:[ \u00a0\u202f\u2009.,']\d{3})+(?:[.,]\d{1,2})?\)?-?"
                    r"|[-+−]?\(?\d+(?:[.,]\d+)?\)?-?")


class Money(BaseModel):
    amount: Decimal  # signed as written: negative means the text said minus
    currency: str | None = None


class AmountError(ValueError):
    """The text holds no amount we can read; the message says what was there."""


def parse_amount(text: str, *, decimal_comma: bool | None = None) -> Money:
    """The first amount in `text`. `decimal_comma` True/False forces the convention;
    None decides per value (the last separator followed by 1-2 digits is the decimal)."""
    raw = text.strip()
    currency = currency_in(raw)
    match = NUMBER.search(raw)
    if match is None:
        raise AmountError(f"no amount in {text!r}")
    token = match.group(0)
    negative = token.startswith(("-", "−")) or token.endswith("-") or (
        token.startswith("(") and token.endswith(")")
    )
    tail = raw[match.end():].strip().upper()
    if tail.startswith("DR"):  # bank statements: DR debit, CR credit
        negative = True
    digits = token.strip("-+−()")
    value = _normalise(digits, decimal_comma)
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise AmountError(f"cannot read {token!r} as an amount") from exc
    return Money(amount=-amount if negative else amount, currency=currency)


def _normalise(digits: str, decimal_comma: bool | None) -> str:
    for space in _SPACES:
        digits = digits.replace(space, "")
    digits = digits.replace("'", "")
    if decimal_comma is True:
        return digits.replace(".", "").replace(",", ".")
    if decimal_comma is False:
        return digits.replace(",", "")
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    if last_dot >= 0 and last_comma >= 0:  # both: the later one is the decimal mark
        if last_comma > last_dot:
            return digits.replace(".", "").replace(",", ".")
        return digits.replace(",", "")
    mark = "," if last_comma >= 0 else "." if last_dot >= 0 else ""
    if not mark:
        return digits
    groups = digits.split(mark)
    # One separator followed by exactly three digits, or several: thousands ("1,234", "1.234.567").
    if len(groups) > 2 or (len(groups[-1]) == 3 and mark == ","):
        return "".join(groups)
    return "".join(groups[:-1]) + "." + groups[-1]


def currency_in(text: str) -> str | None:
    if re.search(r"(?<![A-Za-z$])R\s?\d", text):  # "R 1 234,50": South African rand
        return "ZAR"
    for mark, code in sorted(CURRENCY_MARKS.items(), key=lambda kv: -len(kv[0])):
        if mark.isalpha():
            if re.search(rf"(?<![A-Za-z]){re.escape(mark)}(?![A-Za-z])", text, re.IGNORECASE if mark.islower() else 0):
                return code
        elif mark in text:
            return code
    return None
