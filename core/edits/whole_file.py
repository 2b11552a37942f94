"""The guard on whole-file replies: never let "the rest is unchanged" wipe real code.

A whole-file reply replaces everything, so a model that abbreviates (`# ... rest
unchanged`) or whose reply was cut short would silently delete code. Two checks:

- elision lines (comments standing for omitted code) that the original file does not
  contain; bare `...` lines count too, except in Python where `...` is a real body;
- a reply keeping fewer than half the non-blank lines of a file over 20 non-blank
  lines. Whole-file replies are meant for small files; a file under 20 lines may
  plausibly be rewritten shorter, but halving a larger one in a whole-file reply is, in
  practice, an abbreviation or a cut-off. A deliberate large deletion can still be
  made with SEARCH/REPLACE, which the refusal message says.
"""

from __future__ import annotations

from ingle.core.edits.elision import is_bare_dots, is_elision_comment
from ingle.core.edits.models import RefusalCode

MIN_LINES_GUARDED = 20
MIN_KEPT_FRACTION = 0.5
_ELLIPSIS_LANGUAGES = (".py", ".pyi")


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
