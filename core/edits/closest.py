"""Finding the lines a failed SEARCH was probably meant to match, for the retry message.

Scoring every window position of a big file with character-level difflib is quadratic.
Here the work is bounded: SEARCH lines that occur verbatim (stripped) in the file vote
for where the window starts, and only the few best-voted windows are scored. When no
line occurs verbatim, the longest SEARCH line is compared against every file line using
difflib's cheap upper bounds, one linear pass, and again only a few windows are scored.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from ingle.core.edits.ladder import split_text

_CANDIDATES = 6  # windows scored with difflib
_MAX_SHOWN = 40  # lines of the file quoted back to the model
_MAX_LINE = 200  # characters per quoted line
_COMMON = 50  # a line seen more often than this (`}`, `return`) casts no votes
_MIN_RATIO = 0.35


@dataclass(frozen=True)
class ClosestLines:
    start: int  # 1-based first line of the window
    end: int  # 1-based last line
    ratio: float
    snippet: str  # the file's lines, verbatim (capped)
    first_difference: str  # e.g. "line 12: the file has 'x = 1', SEARCH has 'x = 2'"

    @property
    def span(self) -> str:
        return f"line {self.start}" if self.start == self.end else f"lines {self.start}-{self.end}"


def closest_lines(text: str, search: str) -> ClosestLines | None:
    file_lines, _ = split_text(text)
    s_lines = split_text(search)[0]
    while s_lines and not s_lines[0].strip():
        s_lines.pop(0)
    while s_lines and not s_lines[-1].strip():
        s_lines.pop()
    if not file_lines or not s_lines:
        return None
    m = len(s_lines)
    starts = _voted_starts(file_lines, s_lines) or _similar_starts(file_lines, s_lines)
    s_keys = [line.strip() for line in s_lines]
    best: tuple[float, int] | None = None
    for start in starts:
        start = max(0, min(start, len(file_lines) - m))
        window = [line.strip() for line in file_lines[start : start + m]]
        ratio = _similarity(s_keys, window)
        if best is None or ratio > best[0]:
            best = (ratio, start)
    if best is None or best[0] < _MIN_RATIO:
        return None
    ratio, start = best
    window = file_lines[start : start + m]
    shown = [line if len(line) <= _MAX_LINE else line[:_MAX_LINE] + " ..." for line in window]
    if len(shown) > _MAX_SHOWN:
        shown = shown[:_MAX_SHOWN] + [f"... ({len(window) - _MAX_SHOWN} more lines)"]
    return ClosestLines(
        start=start + 1,
        end=start + len(window),
        ratio=ratio,
        snippet="\n".join(shown),
        first_difference=_first_difference(window, s_lines, start),
    )


def _similarity(wanted: list[str], window: list[str]) -> float:
    """Mean character similarity of aligned lines (each clipped, so bounded work)."""
    total = 0.0
    for want, have in zip(wanted, window, strict=False):
        if want == have:
            total += 1.0
        else:
            total += SequenceMatcher(None, want[:_MAX_LINE], have[:_MAX_LINE]).ratio()
    return total / max(len(wanted), 1)


def _voted_starts(file_lines: list[str], s_lines: list[str]) -> list[int]:
    where: dict[str, list[int]] = {}
    wanted = {line.strip() for line in s_lines if line.strip()}
    for i, line in enumerate(file_lines):
        key = line.strip()
        if key in wanted:
            where.setdefault(key, []).append(i)
    votes: Counter[int] = Counter()
    for k, line in enumerate(s_lines):
        hits = where.get(line.strip(), [])
        if 0 < len(hits) <= _COMMON:
            votes.update(i - k for i in hits)
    return [start for start, _ in votes.most_common(_CANDIDATES)]


def _similar_starts(file_lines: list[str], s_lines: list[str]) -> list[int]:
    """Windows around the file lines most like the longest SEARCH line (the next longest
    only if that finds nothing): one linear pass with difflib's cheap bounds."""
    probes = heapq.nlargest(2, range(len(s_lines)), key=lambda k: len(s_lines[k].strip()))
    scored: list[tuple[float, int]] = []
    for k in probes:
        if scored:
            break
        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(s_lines[k].strip())
        for i, line in enumerate(file_lines):
            matcher.set_seq1(line.strip())
            if matcher.real_quick_ratio() < _MIN_RATIO:
                continue
            quick = matcher.quick_ratio()
            if quick >= _MIN_RATIO:
                scored.append((quick, i - k))
    top = heapq.nlargest(_CANDIDATES, scored)
    return [start for _, start in top]


def _first_difference(window: list[str], s_lines: list[str], start: int) -> str:
    for k, (have, want) in enumerate(zip(window, s_lines, strict=False)):
        if have.rstrip() == want.rstrip():
            continue
        where = f"line {start + k + 1}"
        if have.strip() == want.strip():
            return f"{where}: indentation differs ({_indent(have)} in the file, {_indent(want)} in SEARCH)"
        # Quoted as the text is (repr would double every backslash the model must copy).
        return f"{where}: the file has `{_clip(have.strip())}`, SEARCH has `{_clip(want.strip())}`"
    if len(s_lines) != len(window):
        return "SEARCH runs past the end of the file"
    return ""


def _indent(line: str) -> str:
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    tabs, spaces = lead.count("\t"), lead.count(" ")
    parts = [f"{tabs} tab{'s' if tabs != 1 else ''}"] if tabs else []
    if spaces or not tabs:
        parts.append(f"{spaces} space{'s' if spaces != 1 else ''}")
    return " + ".join(parts)


def _clip(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
