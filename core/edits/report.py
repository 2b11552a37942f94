"""The message sent back to the model when a reply's edits do not all apply.

It has to let a small model fix its reply in one retry, so it is precise and short:
which block (by number and reply line), which file, why, and for a SEARCH that did not
match, the lines that are really in the file and the first line that differs. It also
says plainly that nothing was applied, so the retry resends every block.
"""

from __future__ import annotations

from ingle.core.edits.models import BlockOutcome

_SEARCH_ADVICE = (
    "A SEARCH section must match the file's existing lines exactly, with the same "
    "indentation, comments and blank lines: copy them from the file, and include enough "
    "lines to match only one place."
)
_MATCH_CODES = frozenset({"no_match", "ambiguous_match", "overlaps_earlier_block"})


def failure_message(outcomes: list[BlockOutcome]) -> str:
    failed = [o for o in outcomes if not o.applied]
    if not failed:
        return ""
    total = len(outcomes)
    noun = "block" if total == 1 else "blocks"
    head = (
        f"{len(failed)} of {total} edit {noun} could not be applied, so none were applied "
        "(a reply's edits apply all together or not at all). Resend every block, with "
        f"{'this one' if len(failed) == 1 else 'these'} fixed:"
    )
    parts = [head]
    for o in failed:
        where = o.file or o.path or "(no path)"
        parts.append(f"\nBlock {o.index + 1} (reply line {o.line}), {where}: {o.reason}")
        if o.closest:
            fence = _fence_for(o.closest)
            parts.append(f"{fence}\n{o.closest}\n{fence}")
    if any(o.refusal in _MATCH_CODES for o in failed):
        parts.append("\n" + _SEARCH_ADVICE)
    return "\n".join(parts)


def _fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside `text`."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)
