"""Unified diffs of in-memory text, as the events and approval prompts show them."""

from __future__ import annotations

import difflib


def unified_diff(path: str, before: str, after: str, context: int = 3) -> str:
    old = f"a/{path}" if before else "/dev/null"
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=old, tofile=f"b/{path}", n=context,
    )
    # A last line without a newline would glue onto the next hunk header.
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)
