"""Recognising elisions: the lines a model writes instead of code it did not repeat.

`...` on its own line, `# ... rest unchanged`, `// ... existing code ...`,
`<!-- ... -->`, `/* rest of the file omitted */`. In a SEARCH section an elision is
useful (the ladder matches the pieces around it); in a REPLACE section or a whole-file
reply it would replace real code with a comment, so it is refused.
"""

from __future__ import annotations

import re

_BARE = frozenset({"...", "…", "....", "[...]", "(...)", "// ...", "# ..."})
_COMMENT = re.compile(
    r"^(?:#+|//+|--|;+|%+|/\*+|<!--|\{/\*|\*)\s*(?P<body>.*?)\s*(?:\*+/|-->|\*/\})?\s*$"
)
_DOTS = re.compile(r"\.\.\.|…")
# Phrases only count with a strong cue ("unchanged", "omitted", "goes here"), so an
# ordinary comment like "# check existing entries" is not taken for an elision.
_PHRASES = re.compile(
    r"\brest of (?:the )?(?:file|code|class|function|module|methods?|implementation|component)\b"
    r"|\b(?:rest|remaining|existing|other|previous|same|original)\b.*\b(?:unchanged|omitted"
    r"|as before|elided|not shown|(?:code|implementation|logic|methods?|functions?) (?:goes )?here"
    r"|(?:stays?|remains?) the same)\b"
    r"|\bkeep (?:the )?(?:existing|rest|remaining)\b"
    r"|^(?:unchanged|omitted|code omitted|snip|snipped)\W*$",
    re.IGNORECASE,
)


def is_bare_dots(line: str) -> bool:
    """`...` alone: an elision in SEARCH, but also Python's Ellipsis body elsewhere."""
    return line.strip() in _BARE


def is_elision_comment(line: str) -> bool:
    """A comment that stands for code the model left out."""
    stripped = line.strip()
    if not stripped or len(stripped) > 160:
        return False
    m = _COMMENT.match(stripped)
    if m is None:
        return False
    body = m.group("body")
    return bool(_DOTS.search(body)) or bool(_PHRASES.search(body))


def is_elision_marker(line: str) -> bool:
    """Any elision line, for splitting a SEARCH section into the pieces around it."""
    return is_bare_dots(line) or is_elision_comment(line)
