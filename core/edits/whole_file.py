"""The guard on whole-file replies: never let "the rest is unchanged" wipe real code.

A whole-file reply replaces everything, so a model that abbreviates (`# ... rest
unchanged`) or whose reply was cut short would silently delete code. Two checks:

- elision lines (comments standing for omitted code) that the original file does not
  contain; bare `...` lines count too, except in Python where `...` is a real body;
- a reply keeping fewer than half the non-blank lines of a file over 20 non-blank
  lines. Whole-file replies are meant for small files; a file under 20 lines may
  plausibly be rewritten shorter, but halving a larger one in a whole-file reply is, in
  practice, an abbreviation or a cut-off. A deliberate large deletion can still be
  made with SEARCH/REPLACE, which the refusal message says;
- at any size, a reply that drops most of the file's definitions (functions, classes,
  constants): "Here is the updated function" under a path line, or the *before* snippet
  of "change this: ... to this: ...", is one definition, not the file. Renames keep the
  count, so they pass; deleting one of two functions this way is refused too, and the
  message says to do it with SEARCH/REPLACE.
"""

from __future__ import annotations

import re

from ingle.core.edits.elision import is_bare_dots, is_elision_comment
from ingle.core.edits.models import RefusalCode

MIN_LINES_GUARDED = 20
MIN_KEPT_FRACTION = 0.5
_ELLIPSIS_LANGUAGES = (".py", ".pyi")
# A definition line in most languages: Python, JS/TS, Go (with a receiver), Rust, Java-ish
# classes, shell functions. Enough to count what a reply keeps, not a parser.
_DEFINITION = re.compile(
    r"^\s*(?:export\s+)?(?:default\s+)?(?:pub(?:\([\w:]+\))?\s+)?(?:public\s+|private\s+|"
    r"protected\s+)?(?:static\s+)?(?:async\s+)?"
    r"(?:def|class|function\*?|func|fn|struct|enum|interface|trait|type|const|let|var)\s+"
    r"(?:\([^)]*\)\s*)?(?P<name>[A-Za-z_$][\w$]*)"
    r"|^(?P<shell>[A-Za-z_][\w-]*)\s*\(\)\s*\{?\s*$"
)


def definitions(text: str) -> list[str]:
    """Names the text defines, in order (one entry per definition line)."""
    found = []
    for line in text.split("\n"):
        m = _DEFINITION.match(line)
        if m is not None:
            found.append(m.group("name") or m.group("shell"))
    return found


def whole_file_refusal(path: str, old: str, new: str) -> tuple[RefusalCode, str] | None:
    """Why replacing `old` with `new` wholesale is refused, or None if it is fine."""
    old_lines = [line.strip() for line in old.split("\n")]
    known = set(old_lines)
    dots_count = not path.lower().endswith(_ELLIPSIS_LANGUAGES)
    for number, line in enumerate(new.split("\n"), start=1):
        stripped = line.strip()
        if stripped in known:
            continue
        if is_elision_comment(line) or (dots_count and is_bare_dots(line)):
            return (
                "whole_file_elided",
                (
                    f"the new content of {path} has {stripped!r} (line {number}) instead of "
                    "code; send the complete file, or change only the part that changes with "
                    "SEARCH/REPLACE blocks"
                ),
            )
    old_count = sum(1 for line in old_lines if line)
    new_count = sum(1 for line in new.split("\n") if line.strip())
    if old_count and not new_count:
        return (
            "whole_file_truncated",
            f"the new content of {path} is empty; to delete the file's code, use SEARCH/REPLACE",
        )
    dropped = _dropped_definitions(old, new)
    if dropped is not None:
        return "whole_file_truncated", (
            f"the new content of {path} is not the whole file: it would delete "
            f"{_names(dropped)} ({dropped.count} of the file's {dropped.total} definitions). "
            "A fenced file replaces the entire file, so send it complete; to change one "
            "function, use a SEARCH/REPLACE block for just that function; to delete code, "
            "SEARCH for it and leave REPLACE empty"
        )
    if old_count > MIN_LINES_GUARDED and new_count < MIN_KEPT_FRACTION * old_count:
        return (
            "whole_file_truncated",
            (
                f"the new content of {path} has {new_count} non-blank lines where the file "
                f"has {old_count}; it looks cut short or abbreviated. Send the complete file, "
                "or use SEARCH/REPLACE blocks for the parts that change"
            ),
        )
    return None


class _Dropped:
    def __init__(self, names: list[str], total: int) -> None:
        self.names, self.count, self.total = names, len(names), total


def _dropped_definitions(old: str, new: str) -> _Dropped | None:
    """The definitions `new` loses, when it loses at least as many as it keeps and has
    fewer than `old` (a rename keeps the count); None when the rewrite is plausible."""
    before, after = definitions(old), definitions(new)
    if not before or len(after) >= len(before):
        return None
    kept = set(after)
    lost = [name for name in dict.fromkeys(before) if name not in kept]
    kept_count = sum(1 for name in before if name in kept)
    if not lost or len(before) - kept_count < kept_count:
        return None
    return _Dropped(lost, len(before))


def _names(dropped: _Dropped) -> str:
    shown = dropped.names[:5]
    more = f" and {dropped.count - 5} more" if dropped.count > 5 else ""
    return ", ".join(shown) + more
