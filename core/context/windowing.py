"""Windowing a file to its relevant functions: the last way to make a prompt fit.

A file too big for the window is shown in part: the definitions (functions, classes,
methods) whose code names an identifier of the instruction (names in code, as tree-sitter
reads them: comments and strings do not count), or that this turn's edits touched, are
kept whole; every other definition shows only its first line (its signature), or, when
that is still too much (`outline=False`), nothing at all; code outside definitions
(imports, constants) stays. Each run of hidden lines becomes one
marker line, written as a comment of the file's language so the edit parser reads it as an
elision (core/edits/elision.py): in a SEARCH section it matches around it, in a REPLACE
section it is refused, and never taken for code. Lines shown are the file's real lines,
so SEARCH text copied from a window matches the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict

from ingle.core.repomap.languages import Grammars, language_for

MIN_HIDDEN_RUN = 3  # a marker replaces at least this many lines, or they are shown
# A word of the request used by more definitions than this (or a tenth of them) does not
# choose the window: it is common to the file, not the task.
MAX_MENTIONING = 5
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Lines just above a definition that belong to it: decorators, attributes, doc comments.
_LEADING = ("@", "#[", "//", "///", "/*", "*", "#")


class FileWindow(BaseModel):
    """A file as the prompt shows it when windowed."""

    model_config = ConfigDict(frozen=True)

    path: str
    text: str
    kept: tuple[str, ...]  # definitions shown whole, outermost only, in file order
    hidden_lines: int
    total_lines: int


@dataclass
class _Span:
    start: int  # 0-based first line (decorators and doc comments included)
    header: int  # 0-based line where the definition itself starts (its signature)
    end: int  # 0-based last line
    name: str | None  # None: a scope without a name of its own (an impl block)
    parent: int | None = None
    relevant: bool = False
    open: bool = False  # relevant itself or holding something relevant


def marker(first: int, last: int, comment: str, indent: str = "") -> str:
    """The line standing for hidden lines `first`..`last` (1-based, inclusive)."""
    return f"{indent}{comment} ... (lines {first}-{last} not shown: ask for them) ..."


def comment_prefix(path: str) -> str:
    return "#" if language_for(path) == "python" else "//"


def window_file(
    path: str,
    text: str,
    identifiers: Iterable[str],
    edited_lines: Iterable[int],
    grammars: Grammars,
    *,
    outline: bool = True,
) -> FileWindow | None:
    """The window of `text`, or None when its language is not known or nothing would be
    hidden. `edited_lines` are 0-based lines of `text` this turn changed; `outline` keeps
    the first line of each definition left out."""
    language = language_for(path)
    if language is None:
        return None
    lines = text.split("\n")
    spans, names_by_line = _parse(text.encode("utf-8"), language, grammars, lines)
    if not spans:
        return None
    _mark(spans, names_by_line, set(identifiers), set(edited_lines))
    shown = _shown_lines(spans, lines, outline)
    out: list[str] = []
    hidden = 0
    comment = comment_prefix(path)
    index = 0
    while index < len(lines):
        if shown[index]:
            out.append(lines[index])
            index += 1
            continue
        run_end = index
        while run_end + 1 < len(lines) and not shown[run_end + 1]:
            run_end += 1
        if run_end - index + 1 < MIN_HIDDEN_RUN:
            out.extend(lines[index : run_end + 1])
        else:
            indent = re.match(r"\s*", lines[index]).group(0)  # type: ignore[union-attr]
            out.append(marker(index + 1, run_end + 1, comment, indent))
            hidden += run_end - index + 1
        index = run_end + 1
    if hidden == 0:
        return None
    kept = tuple(
        s.name or "(block)"
        for s in spans
        if s.relevant and (s.parent is None or not spans[s.parent].relevant)
    )
    return FileWindow(
        path=path, text="\n".join(out), kept=kept, hidden_lines=hidden, total_lines=len(lines)
    )


def words_of(text: str) -> set[str]:
    return set(_WORD.findall(text))


def _parse(
    source: bytes, language: str, grammars: Grammars, lines: list[str]
) -> tuple[list[_Span], dict[int, set[str]]]:
    """Definitions and scopes, outermost first, each with its parent's index; and the
    names each line's code uses."""
    from tree_sitter import Parser, Query, QueryCursor

    grammar = grammars.get(language)
    root = Parser(grammar.language).parse(source).root_node
    names_by_line: dict[int, set[str]] = {}
    # Every named node kind ending in "identifier" (Go's field_identifier, Rust's
    # type_identifier, ...): a names-only query, compiled in well under 10 ms.
    kinds = _identifier_kinds(grammar.language)
    if kinds:
        names = Query(grammar.language, "[" + " ".join(f"({k})" for k in kinds) + "] @name")
        for node in QueryCursor(names).captures(root).get("name", []):
            if node.text:
                text = node.text.decode("utf-8", "replace")
                names_by_line.setdefault(node.start_point[0], set()).update(words_of(text))
    found: dict[tuple[int, int], tuple[int, str | None]] = {}
    for _pattern, captures in QueryCursor(grammar.definitions).matches(root):
        node = next((n[0] for k, n in captures.items() if k.startswith("definition.")), None)
        name = None
        if node is None and "scope" in captures:
            node = captures["scope"][0]
        elif node is not None and captures.get("name") and captures["name"][0].text:
            name = captures["name"][0].text.decode("utf-8", "replace")
        if node is None:
            continue
        header = node.start_point[0]
        if node.parent is not None and node.parent.type == "decorated_definition":
            node = node.parent
        end = node.end_point[0] - (1 if node.end_point[1] == 0 and node.end_point[0] > 0 else 0)
        key = (_leading_start(node.start_point[0], lines), end)
        known = found.get(key)
        found[key] = (header, name or (known[1] if known else None))
    spans = [_Span(start, header, end, name) for (start, end), (header, name) in found.items()]
    spans.sort(key=lambda s: (s.start, -s.end))
    stack: list[int] = []
    for index, span in enumerate(spans):
        while stack and spans[stack[-1]].end < span.start:
            stack.pop()
        if stack and spans[stack[-1]].end >= span.end:
            span.parent = stack[-1]
        stack.append(index)
    return spans, names_by_line


def _identifier_kinds(language: object) -> list[str]:
    count = language.node_kind_count  # type: ignore[attr-defined]
    kinds = {
        language.node_kind_for_id(i)  # type: ignore[attr-defined]
        for i in range(count)
        if language.node_kind_is_named(i) and language.node_kind_is_visible(i)  # type: ignore[attr-defined]
    }
    return sorted(k for k in kinds if k and k.endswith("identifier"))


def _leading_start(start: int, lines: list[str]) -> int:
    """Include the decorator and comment lines directly above a definition."""
    while start > 0 and lines[start - 1].strip().startswith(_LEADING):
        start -= 1
    return start


def _mark(
    spans: list[_Span], names_by_line: dict[int, set[str]], identifiers: set[str], edited: set[int]
) -> None:
    children: dict[int, list[int]] = {}
    for index, span in enumerate(spans):
        if span.parent is not None:
            children.setdefault(span.parent, []).append(index)
    own_names: list[set[str]] = []
    for index, span in enumerate(spans):
        # A definition's own lines leave out its children's, so a class is not kept whole
        # because one of its methods mentions the identifier.
        own = set(range(span.start, span.end + 1))
        for child in children.get(index, []):
            own -= set(range(spans[child].start, spans[child].end + 1))
        names = set().union(*(names_by_line.get(n, set()) for n in own)) if own else set()
        own_names.append(names)
        span.relevant = (span.name is not None and span.name in identifiers) or bool(edited & own)
    selective = _selective(identifiers, own_names, {s.name for s in spans if s.name})
    for span, names in zip(spans, own_names, strict=True):
        span.relevant = span.relevant or bool(selective & names)
    for index in sorted(range(len(spans)), key=lambda i: -spans[i].start):
        span = spans[index]
        span.open = span.open or span.relevant
        if span.open and span.parent is not None:
            spans[span.parent].open = True


def _selective(identifiers: set[str], own_names: list[set[str]], defined: set[str]) -> set[str]:
    """The identifiers that pick out code: a word most definitions use ("value",
    "default", "self") would keep the whole file, so it counts only when the request
    names no definition of the file and it is used by few of them."""
    if identifiers & defined:
        return identifiers & defined
    limit = max(MAX_MENTIONING, len(own_names) // 10)
    return {
        word for word in identifiers
        if sum(1 for names in own_names if word in names) <= limit
    }


def _shown_lines(spans: list[_Span], lines: list[str], outline: bool) -> list[bool]:
    """Everything is shown except the bodies of closed definitions that sit directly in
    open code: their leading comments and first line stay (with `outline`), the rest is
    hidden, inner definitions with it. Definitions inside a relevant one are shown whole.
    Blank lines between hidden lines are hidden too, so neighbours share one marker."""
    count = len(lines)
    shown = [True] * count
    for span in spans:
        if span.open or not _ancestors_open(spans, span) or _inside_relevant(spans, span):
            continue
        first = span.header + 1 if outline else span.start
        for line in range(first, min(span.end, count - 1) + 1):
            shown[line] = False
    index = 0
    while index < count:
        if shown[index] and not lines[index].strip() and index > 0 and not shown[index - 1]:
            end = index
            while end < count and not lines[end].strip():
                end += 1
            if end < count and not shown[end]:
                for line in range(index, end):
                    shown[line] = False
            index = end
            continue
        index += 1
    return shown


def _ancestors_open(spans: list[_Span], span: _Span) -> bool:
    parent = span.parent
    while parent is not None:
        if not spans[parent].open:
            return False
        parent = spans[parent].parent
    return True


def _inside_relevant(spans: list[_Span], span: _Span) -> bool:
    parent = span.parent
    while parent is not None:
        if spans[parent].relevant:
            return True
        parent = spans[parent].parent
    return False
