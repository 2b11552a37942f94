"""The matching ladder: where in a file does a SEARCH section go, and what replaces it?

Each rung is tried only when the stricter ones found nothing:

1. exact - the SEARCH lines appear verbatim;
2. whitespace - equal but for trailing whitespace, blank lines at the edges of SEARCH,
   or blank lines between lines;
3. indentation - equal but for a consistent indentation shift, tabs written as spaces
   or the reverse; the replacement is re-indented the same way;
4. elision - SEARCH has `...` lines; the pieces around them are matched in order.

A rung that finds the text more than once refuses (ambiguous) rather than guessing,
and looser rungs are not tried, since they could only find more places. All matching
is line-aligned and done with `str.find` over joined keys, so it is linear in the file.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ingle.core.edits.elision import is_bare_dots, is_elision_comment, is_elision_marker

LadderStep = Literal["exact", "whitespace", "indentation", "elision"]
LadderFailure = Literal["no_match", "ambiguous_match", "unpaired_elision", "elided_replace"]
Reindent = Callable[[str], str]

# Ambiguity reports name at most this many places.
_MAX_REPORTED = 5


@dataclass(frozen=True)
class LadderResult:
    text: str | None = None  # the new file text, when applied
    step: LadderStep | None = None
    failure: LadderFailure | None = None
    detail: str = ""  # e.g. "found at lines 3, 17"


@dataclass(frozen=True)
class _Window:
    start: int  # file line index, inclusive
    end: int  # exclusive
    reindent: Reindent | None = None


def split_text(text: str) -> tuple[list[str], bool]:
    """Lines without terminators, and whether the text ended with a newline. An empty
    text counts as ending with one, so content added to it does."""
    if not text:
        return [], True
    ends = text.endswith("\n")
    lines = text.split("\n")
    if ends:
        lines.pop()
    return lines, ends


def join_text(lines: list[str], ends_with_newline: bool) -> str:
    body = "\n".join(lines)
    return body + "\n" if lines and ends_with_newline else body


def apply_search_replace(
    text: str, search: str, replace: str, path: str = ""
) -> LadderResult:
    """Replace the one place `search` matches in `text` with `replace` (non-empty SEARCH).
    `path` tells the language: a bare `...` line is code in Python (Ellipsis), an
    elision everywhere else."""
    file_lines, ends = split_text(text)
    s_lines, _ = split_text(search)
    r_lines, _ = split_text(replace)
    elided = _replace_elides(s_lines, r_lines, dots_are_code=path.endswith((".py", ".pyi")))
    if elided is not None:
        return LadderResult(
            failure="elided_replace",
            detail=f"REPLACE has `{elided.strip()}` where code should be: write the code out in full",
        )
    found = _locate(file_lines, s_lines, 0)
    if found is None:
        return _apply_elided(file_lines, ends, s_lines, r_lines)
    step, windows = found
    if len(windows) > 1:
        return _ambiguous(windows)
    w = windows[0]
    r_trimmed = _trim_like(s_lines, r_lines) if step != "exact" else r_lines
    new = file_lines[: w.start] + _reindent(r_trimmed, w.reindent) + file_lines[w.end :]
    return LadderResult(text=join_text(new, ends), step=step)


def count_exact(text: str, search: str) -> int:
    """How many line-aligned places `search` occupies verbatim (capped); used to tell
    "already applied" and "overlapping blocks" apart from a plain miss."""
    file_lines, _ = split_text(text)
    s_lines, _ = split_text(search)
    if not any(s.strip() for s in s_lines):
        return 0
    return len(_find_runs(file_lines, s_lines, 0))


def _locate(
    file_lines: list[str], s_lines: list[str], lo: int
) -> tuple[LadderStep, list[_Window]] | None:
    """The first rung that finds `s_lines` in file_lines[lo:], with every place it found."""
    if not any(s.strip() for s in s_lines):
        return None
    exact = _find_runs(file_lines, s_lines, lo)
    if exact:
        return "exact", [_Window(i, i + len(s_lines)) for i in exact]
    core = _strip_blank_edges(s_lines)
    for keep_blanks in (True, False):
        found = _match_by_key(file_lines, core, lo, str.rstrip, keep_blanks)
        if found:
            return "whitespace", found
    for keep_blanks in (True, False):
        found = _match_by_key(file_lines, core, lo, str.strip, keep_blanks, reindent=True)
        if found:
            return "indentation", found
    return None


def _find_runs(lines: list[str], needle: list[str], lo: int) -> list[int]:
    """Start indices (>= lo) where `needle` occurs as consecutive whole lines."""
    if not needle or len(needle) > len(lines) - lo:
        return []
    hay = "\n" + "\n".join(lines[lo:]) + "\n"
    pat = "\n" + "\n".join(needle) + "\n"
    starts: list[int] = []
    offset = 0
    for line in lines[lo:]:
        starts.append(offset)
        offset += len(line) + 1
    found: list[int] = []
    pos = hay.find(pat)
    while pos != -1 and len(found) <= _MAX_REPORTED:
        found.append(lo + bisect.bisect_left(starts, pos))
        pos = hay.find(pat, pos + 1)
    return found


def _match_by_key(
    file_lines: list[str],
    s_lines: list[str],
    lo: int,
    key: Callable[[str], str],
    keep_blanks: bool,
    *,
    reindent: bool = False,
) -> list[_Window]:
    if keep_blanks:
        f_idx = list(range(lo, len(file_lines)))
        s_use = s_lines
    else:
        f_idx = [i for i in range(lo, len(file_lines)) if file_lines[i].strip()]
        s_use = [s for s in s_lines if s.strip()]
    if not s_use:
        return []
    f_keys = [key(file_lines[i]) for i in f_idx]
    s_keys = [key(s) for s in s_use]
    windows: list[_Window] = []
    for k in _find_runs(f_keys, s_keys, 0):
        chosen = f_idx[k : k + len(s_use)]
        fix: Reindent | None = None
        if reindent:
            fix = _indent_fix([(file_lines[i], s) for i, s in zip(chosen, s_use, strict=True)])
            if fix is None:
                continue
        windows.append(_Window(chosen[0], chosen[-1] + 1, fix))
    return windows


# -- indentation ------------------------------------------------------------------


def _lead(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _spaces_to_tabs(width: int) -> Callable[[str], str]:
    def convert(indent: str) -> str:
        if "\t" in indent:
            return indent
        return "\t" * (len(indent) // width) + " " * (len(indent) % width)

    return convert


def _tabs_to_spaces(width: int) -> Callable[[str], str]:
    return lambda indent: indent.replace("\t", " " * width)


# Same characters first; then a model that wrote spaces for a tab-indented file (Go,
# Makefiles) or tabs for a space-indented one.
_CONVERTERS: tuple[Callable[[str], str], ...] = (
    lambda indent: indent,
    *(_spaces_to_tabs(w) for w in (4, 2, 8)),
    *(_tabs_to_spaces(w) for w in (4, 2, 8)),
)


def _indent_fix(pairs: list[tuple[str, str]]) -> Reindent | None:
    """A function re-indenting REPLACE lines the way the file's lines differ from the
    SEARCH lines, if they differ consistently; None if they do not."""
    pairs = [(f, s) for f, s in pairs if s.strip()]
    for convert in _CONVERTERS:
        shifts: set[tuple[bool, str]] = set()
        for f, s in pairs:
            fi, si = _lead(f), convert(_lead(s))
            if fi.endswith(si):
                shifts.add((True, fi[: len(fi) - len(si)]))
            elif si.endswith(fi):
                shifts.add((False, si[: len(si) - len(fi)]))
            else:
                break
            if len(shifts) > 1:
                break
        else:
            if len(shifts) == 1:
                add, prefix = shifts.pop()
                return _make_reindent(convert, add, prefix)
    return None


def _make_reindent(convert: Callable[[str], str], add: bool, prefix: str) -> Reindent:
    def fix(line: str) -> str:
        if not line.strip():
            return line.strip(" \t")
        indent = convert(_lead(line))
        body = line.lstrip(" \t")
        if add:
            return prefix + indent + body
        return (indent[len(prefix) :] if indent.startswith(prefix) else "") + body

    return fix


def _reindent(lines: list[str], fix: Reindent | None) -> list[str]:
    return lines if fix is None else [fix(line) for line in lines]


# -- blank edges, elisions, ambiguity -----------------------------------------------


def _strip_blank_edges(lines: list[str]) -> list[str]:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _trim_like(s_lines: list[str], r_lines: list[str]) -> list[str]:
    """Drop from REPLACE the blank edge lines that were dropped from SEARCH to match."""
    lead = len(s_lines) - len(_lstrip_blank(s_lines))
    trail = len(s_lines) - len(_rstrip_blank(s_lines))
    r_lead = len(r_lines) - len(_lstrip_blank(r_lines))
    r_trail = len(r_lines) - len(_rstrip_blank(r_lines))
    start = min(lead, r_lead)
    end = len(r_lines) - min(trail, r_trail)
    return r_lines[start:end] if start <= end else []


def _lstrip_blank(lines: list[str]) -> list[str]:
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    return lines[i:]


def _rstrip_blank(lines: list[str]) -> list[str]:
    i = len(lines)
    while i > 0 and not lines[i - 1].strip():
        i -= 1
    return lines[:i]


def _replace_elides(s_lines: list[str], r_lines: list[str], dots_are_code: bool) -> str | None:
    """An elision in REPLACE that SEARCH does not have: code would be lost."""
    in_search = {s.strip() for s in s_lines}
    for line in r_lines:
        elision = is_elision_comment(line) or (not dots_are_code and is_bare_dots(line))
        if elision and line.strip() not in in_search:
            return line
    return None


def _split_pieces(lines: list[str]) -> list[list[str]]:
    pieces: list[list[str]] = [[]]
    for line in lines:
        if is_elision_marker(line):
            pieces.append([])
        else:
            pieces[-1].append(line)
    return pieces


def _apply_elided(
    file_lines: list[str], ends: bool, s_lines: list[str], r_lines: list[str]
) -> LadderResult:
    s_pieces = _split_pieces(s_lines)
    if len(s_pieces) == 1:
        return LadderResult(failure="no_match")
    r_pieces = _split_pieces(r_lines)
    paired = len(r_pieces) > 1
    if paired and len(r_pieces) != len(s_pieces):
        return LadderResult(
            failure="unpaired_elision",
            detail="SEARCH and REPLACE have different numbers of '...' lines",
        )
    matches: list[tuple[int, _Window]] = []
    pos = 0
    block_end = len(file_lines)
    for k, piece in enumerate(s_pieces):
        if not any(line.strip() for line in piece):
            if paired and any(line.strip() for line in r_pieces[k]):
                return LadderResult(
                    failure="unpaired_elision",
                    detail="REPLACE adds lines next to a '...' with nothing in SEARCH to place them by",
                )
            continue
        # What an elision skips normally stays inside the block (function, class) the
        # SEARCH starts in, so a later piece is looked for there first, and only in
        # the rest of the file if the block does not have it.
        found = _locate(file_lines[:block_end], piece, pos) if matches else None
        if found is None:
            found = _locate(file_lines, piece, pos)
        if found is None:
            first = piece[0].strip() if piece else ""
            return LadderResult(
                failure="no_match", detail=f"the piece starting `{first}` was not found"
            )
        _, windows = found
        if len(windows) > 1:
            return _ambiguous(windows)
        if not matches:
            block_end = _block_end(file_lines, windows[0].start, windows[0].end)
        matches.append((k, windows[0]))
        pos = windows[0].end
    if not matches:
        return LadderResult(failure="no_match")
    if paired:
        new = list(file_lines)
        for k, w in reversed(matches):
            piece = _trim_like(s_pieces[k], r_pieces[k])
            new[w.start : w.end] = _reindent(piece, w.reindent)
    else:
        first, last = matches[0][1], matches[-1][1]
        new = (
            file_lines[: first.start] + _reindent(r_lines, first.reindent) + file_lines[last.end :]
        )
    return LadderResult(text=join_text(new, ends), step="elision")


def _block_end(file_lines: list[str], start: int, after: int) -> int:
    """End (exclusive) of the block whose first line is `start`: through the next line
    indented no deeper than it (a closing brace, or the next definition)."""
    base = len(_lead(file_lines[start]))
    for k in range(after, len(file_lines)):
        line = file_lines[k]
        if line.strip() and len(_lead(line)) <= base:
            return k + 1
    return len(file_lines)


def _ambiguous(windows: list[_Window]) -> LadderResult:
    places = ", ".join(str(w.start + 1) for w in windows[:_MAX_REPORTED])
    more = " and more" if len(windows) > _MAX_REPORTED else ""
    return LadderResult(
        failure="ambiguous_match",
        detail=f"SEARCH matches {len(windows)}{'+' if more else ''} places (lines {places}{more})",
    )
