"""Edit blocks in a finished answer, folded to one line: the change is shown once, as its diff."""

from __future__ import annotations

import re

from ingle.core.edits.tag_fences import tag_fences_as_backticks

# An optional path line, then a fence holding a SEARCH/REPLACE block (or a unified diff).
_FENCED_EDIT = re.compile(
    r"(?:^(?P<path>[^\n`]*\S)[ \t]*\n)?"
    r"^(?P<fence>`{3,}|~{3,})[^\n]*\n"
    r"(?P<body>(?:(?!(?P=fence)).*\n)*?)"
    r"(?P=fence)[ \t]*$",
    re.MULTILINE,
)
_MARKERS = ("<<<<<<< SEARCH", ">>>>>>> REPLACE")
_DIFF = re.compile(r"^--- .*\n\+\+\+ .*\n@@", re.MULTILINE)


def fold_edit_blocks(answer: str) -> str:
    """The answer with each fenced edit block replaced by a line naming its file.

    Prose and ordinary code samples stay; only blocks that are edits (SEARCH/REPLACE or
    a unified diff) fold, since the diff of what was applied follows in the conversation."""

    def fold(match: re.Match[str]) -> str:
        body = match["body"]
        if not (all(marker in body for marker in _MARKERS) or _DIFF.search(body)):
            return match[0]
        path = (match["path"] or "").strip().strip("`*")
        where = f"`{path}`" if path and len(path.split()) <= 3 else "a file"
        return f"✎ an edit to {where} (its diff follows)"

    # Aider's `<source>` fences (which Markdown would read as HTML) are fences here too.
    fenced = "\n".join(tag_fences_as_backticks(answer.split("\n")))
    return _FENCED_EDIT.sub(fold, fenced)
