"""The deterministic fallback commit message, used when the classifier persona gives none.

Conventional-commit style: `type(scope): description`, subject at most 72 characters,
a body listing the changed files. The type comes from the files (all docs, all tests)
or else from the first keyword in the instruction; the scope is the common directory.
"""

from __future__ import annotations

import posixpath
import re

SUBJECT_LIMIT = 72

# First keyword found in the instruction decides the type; order within a type is irrelevant.
_TYPE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "fix": (
        "fix",
        "fixes",
        "fixed",
        "bug",
        "bugs",
        "crash",
        "crashes",
        "broken",
        "error",
        "errors",
        "repair",
        "wrong",
        "typo",
        "failing",
        "regression",
    ),
    "refactor": (
        "refactor",
        "rename",
        "restructure",
        "reorganize",
        "reorganise",
        "simplify",
        "extract",
        "cleanup",
        "clean",
        "move",
        "split",
        "dedupe",
        "inline",
    ),
    "perf": ("faster", "speed", "speedup", "performance", "optimize", "optimise", "slow"),
    "docs": (
        "document",
        "documentation",
        "docs",
        "docstring",
        "docstrings",
        "readme",
        "comment",
        "comments",
    ),
    "test": ("test", "tests", "testing", "coverage"),
    "style": ("format", "formatting", "lint", "whitespace", "indentation"),
    "build": ("dependency", "dependencies", "deps", "bump", "upgrade", "pin"),
    "ci": ("ci", "workflow", "pipeline"),
    "feat": (
        "add",
        "adds",
        "implement",
        "support",
        "create",
        "introduce",
        "new",
        "allow",
        "enable",
    ),
}
_KEYWORD_TYPE = {word: kind for kind, words in _TYPE_KEYWORDS.items() for word in words}
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc")
_POLITE = re.compile(r"^(please|pls|can you|could you|would you|kindly)\s+", re.IGNORECASE)
_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def fallback_commit_message(instruction: str, changed: list[str]) -> str:
    files = sorted(dict.fromkeys(changed))
    first_line = _first_sentence(instruction)
    kind = _type_from_files(files) or _type_from_words(first_line) or "feat"
    scope = _scope(files)
    if scope in (kind, kind + "s"):  # "test(tests)" says nothing twice
        scope = ""
    prefix = f"{kind}({scope}): " if scope else f"{kind}: "
    description = _description(first_line, kind) or _describe_files(files)
    short = _shorten(description, SUBJECT_LIMIT - len(prefix))
    subject = prefix + short
    body: list[str] = []
    full = " ".join(instruction.split())
    if full and (short != description or full.rstrip(".!? ") != first_line):
        body.append(f"Asked: {full}")
    if files:
        body.append("Files:\n" + "\n".join(f"- {path}" for path in files))
    return subject + ("\n\n" + "\n\n".join(body) if body else "") + "\n"


def _first_sentence(instruction: str) -> str:
    text = instruction.strip().splitlines()[0] if instruction.strip() else ""
    text = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]
    return text.rstrip(".!? ")


def _type_from_files(files: list[str]) -> str | None:
    if not files:
        return None
    if all(_is_test(path) for path in files):
        return "test"
    if all(path.lower().endswith(_DOC_SUFFIXES) or path.startswith("docs/") for path in files):
        return "docs"
    return None


def _is_test(path: str) -> bool:
    name = posixpath.basename(path)
    parts = path.split("/")[:-1]
    return (
        name.startswith("test_")
        or re.search(r"(_test|\.test|\.spec|Test|Tests)\.\w+$", name) is not None
        or any(part in ("tests", "test", "__tests__") for part in parts)
    )


def _type_from_words(text: str) -> str | None:
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _KEYWORD_TYPE:
            return _KEYWORD_TYPE[word]
    return None


def _scope(files: list[str]) -> str:
    dirs = [posixpath.dirname(path) for path in files]
    if not dirs or any(not d for d in dirs):
        return ""
    common = posixpath.commonpath(dirs)
    return posixpath.basename(common) if common else ""


def _description(text: str, kind: str) -> str:
    text = _POLITE.sub("", text)
    words = text.split(" ", 1)
    # "Fix the crash" under type fix reads "fix: crash", not "fix: fix the crash".
    rest = _ARTICLE.sub("", words[-1])
    if (
        len(words) == 2
        and _KEYWORD_TYPE.get(words[0].lower()) == kind
        and kind != "feat"
        and " " in rest  # "fix it" stays "fix it", not "it"
    ):
        text = rest
    if len(text) > 1 and not text[:2].isupper():  # keep acronyms: "HTML export"
        text = text[0].lower() + text[1:]
    return text


def _describe_files(files: list[str]) -> str:
    if not files:
        return "update files"
    if len(files) <= 2:
        return "update " + ", ".join(posixpath.basename(path) for path in files)
    return f"update {len(files)} files"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut[:limit].rstrip(" ,;:-")
