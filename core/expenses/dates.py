"""Dates, always absolute: ISO, day-first or month-first numbers, "3 Sep", "ontem", "yesterday"."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    "jan": 1, "feb": 2, "fev": 2, "mar": 3, "apr": 4, "abr": 4, "may": 5, "mai": 5, "jun": 6,
    "jul": 7, "aug": 8, "ago": 8, "sep": 9, "set": 9, "oct": 10, "out": 10, "nov": 11,
    "dec": 12, "dez": 12,
}
RELATIVE = {
    "today": 0, "hoje": 0, "yesterday": 1, "ontem": 1, "anteontem": 2,
    "day before yesterday": 2,
}
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+)?\b")
# "05/11", "05-11-2026", "05.11.2026": a dot only with a year, so "23.50" stays an amount.
_NUMERIC = re.compile(r"\b(\d{1,2})(?:[/-](\d{1,2})(?:[/-](\d{2,4}))?|\.(\d{1,2})\.(\d{2,4}))\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:\s+de)?\s+([A-Za-z]{3})[a-z]*\.?(?:\s+(?:de\s+)?(\d{4}))?\b", re.I)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})")  # OFX: 20231010120000[-3:BRT]


class DateError(ValueError):
    """No date could be read; the message says what was there."""


def parse_date(text: str, *, today: dt.date, fmt: str | None = None, day_first: bool = True) -> dt.date:
    """The date in `text`. `fmt` (strptime) wins when given; else ISO, numbers (day first
    unless told otherwise), "3 Sep", relative words. A date without a year takes the latest
    one not after `today`."""
    raw = text.strip()
    if fmt:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError as exc:
            raise DateError(f"{raw!r} does not match the date format {fmt!r}") from exc
    found = find_date(raw, today=today, day_first=day_first)
    if found is None:
        raise DateError(f"no date in {raw!r}")
    return found[0]


def find_date(text: str, *, today: dt.date, day_first: bool = True) -> tuple[dt.date, str] | None:
    """(date, the words that said it) for the first date in free text, or None."""
    lowered = text.lower()
    for words, back in sorted(RELATIVE.items(), key=lambda kv: -len(kv[0])):
        m = re.search(rf"\b{words}\b", lowered)
        if m:
            return today - dt.timedelta(days=back), text[m.start():m.end()]
    if m := _COMPACT.match(text.strip()):
        return _make(int(m[1]), int(m[2]), int(m[3])), m.group(0)
    if m := _ISO.search(text):
        return _make(int(m[1]), int(m[2]), int(m[3])), m.group(0)
    for m in _NUMERIC.finditer(text):
        a, b = int(m[1]), int(m[2] or m[4])
        day, month = (a, b) if day_first else (b, a)
        if month > 12 and day <= 12:  # "10/27/2023" read day-first cannot be: swap
            day, month = month, day
        found = _maybe(m[3] or m[5], month, day, today)
        if found is not None:
            return found, m.group(0)
    for m in _DAY_MONTH.finditer(text):
        month = MONTHS.get(m[2].lower()[:3])
        found = _maybe(m[3], month, int(m[1]), today) if month else None
        if found is not None:
            return found, m.group(0)
    return None


def _maybe(year: str | None, month: int, day: int, today: dt.date) -> dt.date | None:
    """A date from the parts, or None when they make no date (then it was not one)."""
    try:
        return dt.date(_year(year, month, day, today), month, day)
    except ValueError:
        return None


def _year(given: str | None, month: int, day: int, today: dt.date) -> int:
    if given:
        year = int(given)
        return year + 2000 if year < 100 else year
    try:
        candidate = dt.date(today.year, month, day)
    except ValueError:
        return today.year
    return today.year if candidate <= today else today.year - 1


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"{year:04d}-{month:02d}-{day:02d} is not a date") from exc
