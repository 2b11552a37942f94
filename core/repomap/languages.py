"""Which files the repo map understands, and the tree-sitter grammar and tags query for each.

Grammars come from the official per-language wheels; each wheel's own `queries/tags.scm` is
the base query, with Ingle's additions from `core/tag_queries/<language>.scm` appended
(TypeScript and TSX also get JavaScript's tags.scm first, since their grammars extend it).
Grammars and compiled queries are loaded on first use only, so a warm map that parses
nothing never imports a grammar.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Query

# extension -> language name. `.h` is parsed as C++: the C++ grammar reads plain C headers
# too, while the C grammar turns every class in a C++ header into errors.
EXTENSIONS: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".go": "go",
    ".java": "java",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".rs": "rust",
    ".c": "c",
    ".h": "cpp",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",
}


@dataclass(frozen=True)
class _GrammarSource:
    module: str  # the wheel's import name
    factory: str  # the function in it returning the language capsule
    base_queries: tuple[str, ...]  # wheels whose tags.scm come first, in order
    extra_query: str | None  # our addition in core/tag_queries/, if any


_SOURCES: dict[str, _GrammarSource] = {
    "python": _GrammarSource("tree_sitter_python", "language", ("tree_sitter_python",), "python"),
    "go": _GrammarSource("tree_sitter_go", "language", ("tree_sitter_go",), None),
    "java": _GrammarSource("tree_sitter_java", "language", ("tree_sitter_java",), "java"),
    "javascript": _GrammarSource(
        "tree_sitter_javascript", "language", ("tree_sitter_javascript",), None
    ),
    "typescript": _GrammarSource(
        "tree_sitter_typescript",
        "language_typescript",
        ("tree_sitter_javascript", "tree_sitter_typescript"),
        "typescript",
    ),
    "tsx": _GrammarSource(
        "tree_sitter_typescript",
        "language_tsx",
        ("tree_sitter_javascript", "tree_sitter_typescript"),
        "typescript",
    ),
    "rust": _GrammarSource("tree_sitter_rust", "language", ("tree_sitter_rust",), "rust"),
    "c": _GrammarSource("tree_sitter_c", "language", ("tree_sitter_c",), "c"),
    "cpp": _GrammarSource("tree_sitter_cpp", "language", ("tree_sitter_cpp",), "cpp"),
}


def language_for(path: str) -> str | None:
    """The language name for a repository path, or None when the map does not read it."""
    dot = path.rfind(".")
    if dot <= path.rfind("/"):
        return None
    return EXTENSIONS.get(path[dot:].lower())


def query_source(name: str) -> str:
    """The full tags query text for a language: wheel queries then Ingle's additions."""
    source = _SOURCES[name]
    parts = [importlib.import_module(m).TAGS_QUERY for m in source.base_queries]
    if source.extra_query:
        extra = resources.files("ingle.core.repomap.tag_queries").joinpath(f"{source.extra_query}.scm")
        parts.append(extra.read_text(encoding="utf-8"))
    return "\n".join(parts)


@dataclass(frozen=True)
class Grammar:
    """One language, ready to extract tags: its definitions and scopes are read with
    `matches` (a definition's name must be paired with its node), its references with
    the cheaper `captures` (only the name nodes matter, and there are many more)."""

    language: Language
    definitions: Query  # patterns capturing @definition.* or @scope
    references: Query  # patterns capturing @reference.*


class Grammars:
    """Grammars loaded on first use and then kept.

    Owned by whoever parses (a RepoMap, or one batch in a worker process) rather than
    held globally; the lock makes first use safe from several threads.
    """

    def __init__(self) -> None:
        self._loaded: dict[str, Grammar] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Grammar:
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = _load(name)
            return self._loaded[name]


def _load(name: str) -> Grammar:
    from tree_sitter import Language, Query

    source = _SOURCES[name]
    language = Language(getattr(importlib.import_module(source.module), source.factory)())
    text = query_source(name)
    definitions, references = Query(language, text), Query(language, text)
    raw = text.encode("utf-8")
    for n in range(definitions.pattern_count):
        pattern = raw[definitions.start_byte_for_pattern(n) : definitions.end_byte_for_pattern(n)]
        if b"@definition." not in pattern and b"@scope" not in pattern:
            definitions.disable_pattern(n)
        if b"@reference." not in pattern:
            # Also drops patterns with no role at all, such as Go's `package` clause.
            references.disable_pattern(n)
    return Grammar(language, definitions, references)
