"""Merchant names as banks mangle them, made comparable: processor prefixes, store numbers,
card masks and trailing dates removed, lower case, single spaces.

"POS Purchase Engen Mitchell Park  * 07 Oct" -> "engen mitchell park"
"SQ *BLUE BOTTLE COFFEE #123" -> "blue bottle coffee"
"""

from __future__ import annotations

import re

_PREFIXES = re.compile(
    r"^(?:(?:(?:pos\s+purchase|pos|card\s+purchase|purchase|debit\s+card|"
    r"compra(?:\s+no\s+d[eé]bito)?|pagamento|pgto|pix|rtc\s+express\s+pmt\s+to|"
    r"ib\s+payment\s+to|payment\s+to|digital\s+payment|recurring)\b\s*(?:\([^)]*\))?"
    # Short processor codes only with their star: "SQ *", "TST*", "PP*".
    r"|(?:sq|tst|pp|paypal|sp|ck|dd)\s*\*)\s*)+",
    re.IGNORECASE,
)
_NOISE = [
    re.compile(r"\bcard\s+no\.?\s*[\dx*]*", re.I),
    re.compile(r"[x*]{2,}\s*\d{2,4}\b", re.I),  # card masks: xxxx1234, ****1234
    re.compile(r"\b\d{4,}\b"),  # store numbers, references
    re.compile(r"#\s*\d+"),
    re.compile(r"\b(?:store|loja|n[ºo°]\.?)\s*\d+\b", re.I),
    re.compile(r"\b\d{1,2}\s+(?:jan|feb|fev|mar|apr|abr|may|mai|jun|jul|aug|ago|sep|set|oct|out|nov|dec|dez)[a-z]*\b", re.I),
    re.compile(r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(r"\(\s*\)"),
]
_PUNCT = re.compile(r"[*_|/\\,;:()\[\]{}\"'`~^]+")


def normalise_merchant(text: str) -> str:
    cleaned = _PREFIXES.sub("", text.strip())
    for pattern in _NOISE:
        cleaned = pattern.sub(" ", cleaned)
    cleaned = _PUNCT.sub(" ", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .-").lower()
    return cleaned or text.strip().lower()


def normalised_text(text: str) -> str:
    """For duplicate detection: case, spacing and punctuation do not make a new line."""
    return re.sub(r"\s+", " ", _PUNCT.sub(" ", text)).strip().lower()
