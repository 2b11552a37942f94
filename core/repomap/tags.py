"""Definitions and references in one source file, read with tree-sitter tags queries.

A file's tags are what the repo map ranks and renders, and what the tag cache stores:
its definitions (name, the line to show, the header lines of the scopes around it) and
how often it refers to each identifier. Line texts are kept here so that rendering the
map never rereads a file.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from ingle.core.repomap.languages import Grammars

# Bump when extraction changes what it produces: cached tags of another format are re-parsed.
TAGS_FORMAT = 2  # 2: string literal values left out of outlines

MAX_LINE_CHARS = 100  # minified code must not blow the map's budget on one line


class FileTags(BaseModel):
    """What ranking needs from one file: its definitions and the identifiers it uses.

    Kept as parallel tuples rather than one object per definition: a warm map loads
    these for every file in the repository, and flat JSON validates several times faster.
    """

    model_config = ConfigDict(frozen=True)

    names: tuple[str, ...] = ()  # each definition's name
    lines: tuple[int, ...] = ()  # its 0-based line, aligned with names
    refs: dict[str, int] = {}  # identifier -> number of references in this file


class FileOutline(BaseModel):
    """What rendering needs from one file; loaded only for files that make it into a map."""

    model_config = ConfigDict(frozen=True)

    scopes: dict[int, tuple[int, ...]] = {}  # definition line -> enclosing header lines
    texts: dict[int, str] = {}  # text of each definition line and scope header line


class ParsedFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    tags: FileTags
    outline: FileOutline


def extract_tags(source: bytes, language: str, grammars: Grammars) -> ParsedFile:
    """Parse `source` as `language` and collect its definitions and references."""
    from tree_sitter import Parser, QueryCursor

    grammar = grammars.get(language)
    root = Parser(grammar.language).parse(source).root_node
    spans: list[tuple[int, int, int, str | None]] = []  # start, end, header line, name
    def_name_starts: set[int] = set()
    for _pattern, captures in QueryCursor(grammar.definitions).matches(root):
        if "scope" in captures:
            node = captures["scope"][0]
            spans.append((node.start_byte, node.end_byte, node.start_point[0], None))
            continue
        names = captures.get("name")
        node = next((n[0] for k, n in captures.items() if k.startswith("definition.")), None)
        if not names or node is None or not names[0].text:
            continue
        name_node = names[0]
        name = name_node.text.decode("utf-8", "replace")
        spans.append((node.start_byte, node.end_byte, name_node.start_point[0], name))
        def_name_starts.add(name_node.start_byte)

    # A name node captured by two patterns (or a definition's own name also matched as a
    # type use) is counted once, and never as a reference to itself.
    seen = set(def_name_starts)
    counts: dict[str, int] = {}
    for node in QueryCursor(grammar.references).captures(root).get("name", ()):
        start = node.start_byte
        if start in seen:
            continue
        seen.add(start)
        name = source[start : node.end_byte].decode("utf-8", "replace")
        counts[name] = counts.get(name, 0) + 1
    # `captures` does not promise an order: sort, so the same file always caches the same.
    return _assemble(source, spans, dict(sorted(counts.items())), language)


def _assemble(
    source: bytes, spans: list[tuple[int, int, int, str | None]], counts: dict[str, int],
    language: str,
) -> ParsedFile:
    # Nest definitions and scopes by byte range: sorted by start (outer first on ties),
    # a stack holds the chain of nodes still open at each point.
    spans.sort(key=lambda span: (span[0], -span[1]))
    stack: list[tuple[int, int]] = []  # (end byte, header line)
    names: list[str] = []
    lines: list[int] = []
    scopes: dict[int, tuple[int, ...]] = {}
    seen_defs: set[tuple[str, int]] = set()
    shown: set[int] = set()
    for start, end, line, name in spans:
        while stack and stack[-1][0] <= start:
            stack.pop()
        if name is not None and (name, line) not in seen_defs:
            seen_defs.add((name, line))
            names.append(name)
            lines.append(line)
            shown.add(line)
            enclosing = tuple(dict.fromkeys(h for _, h in stack if h != line))
            if enclosing:
                scopes[line] = enclosing
                shown.update(enclosing)
        stack.append((end, line))

    return ParsedFile(
        tags=FileTags(names=tuple(names), lines=tuple(lines), refs=counts),
        outline=FileOutline(scopes=scopes, texts=_line_texts(source, shown, language)),
    )


def _line_texts(source: bytes, wanted: set[int], language: str = "") -> dict[int, str]:
    """The lines the outline shows, without the values of string literals: a map needs
    `API_KEY = "…"`, never the key, and these texts are cached in the state database."""
    if not wanted:
        return {}
    all_lines = source.split(b"\n")
    literals = _NO_SINGLE_QUOTES if language in _LIFETIME_LANGUAGES else _STRING_LITERALS
    texts: dict[int, str] = {}
    for line in wanted:
        if line < len(all_lines):
            text = all_lines[line].decode("utf-8", "replace").rstrip()
            text = literals.sub(_blank_literal, text)
            texts[line] = text[:MAX_LINE_CHARS]
    return texts


def _blank_literal(match: re.Match[str]) -> str:
    quote = match.group(0)[0]
    return f"{quote}…{quote}"


# A quoted run on one line: "...", '...', `...` with backslash escapes (an unclosed quote
# runs to the end of the line, as a multi-line string's first line does).
_STRING_LITERALS = re.compile(r'"(?:[^"\\]|\\.)*(?:"|$)|\'(?:[^\'\\]|\\.)*(?:\'|$)|`(?:[^`\\]|\\.)*(?:`|$)')
_NO_SINGLE_QUOTES = re.compile(r'"(?:[^"\\]|\\.)*(?:"|$)|`(?:[^`\\]|\\.)*(?:`|$)')
_LIFETIME_LANGUAGES = {"rust"}  # 'a is a lifetime there, not a string
