"""What goes back to the model after a failure: short, precise, actionable.

Small local models repair best from a compact message naming the exact place and
the tool's own words, so these texts stay terse and regular.
"""

from __future__ import annotations

from collections.abc import Sequence

from ingle.validators.results import GateResult

MAX_DIAGNOSTICS = 20


def edits_failed(failure_message: str) -> str:
    return (
        "Your edits were NOT applied; no file was changed.\n\n"
        f"{failure_message.strip()}\n\n"
        "Reply with corrected SEARCH/REPLACE blocks. The SEARCH text must match the file's "
        "current lines exactly (the files are in the system message)."
    )


def gates_failed(results: Sequence[GateResult], changed: Sequence[str]) -> str:
    lines = [
        "Your edits applied, but checking the result found errors. Nothing was saved yet.",
        "The files in the system message now show your edited version; fix it with "
        "SEARCH/REPLACE blocks against that text.",
        "",
    ]
    shown = 0
    for result in results:
        lines.append(f"{result.gate} ({result.detail or 'check'}):")
        for diagnostic in result.errors:
            if shown >= MAX_DIAGNOSTICS:
                break
            lines.append(f"  {diagnostic.one_line()}")
            shown += 1
    total = sum(len(r.errors) for r in results)
    if total > shown:
        lines.append(f"  ... and {total - shown} more")
    lines.append("")
    lines.append("Files you changed: " + ", ".join(changed))
    return "\n".join(lines)


def tests_failed(summary: str, changed: Sequence[str]) -> str:
    return (
        "Your edits applied and compile, but the repository's tests fail with them. "
        "Nothing was saved yet. The files in the system message show your edited version; "
        "fix the code (not the tests, unless the request was to change them) with "
        "SEARCH/REPLACE blocks against that text.\n\n"
        f"{summary.strip()}\n\nFiles you changed: {', '.join(changed)}"
    )


def files_added(paths: Sequence[str]) -> str:
    return (
        "I added these files to the chat; their content is now in the system message: "
        + ", ".join(paths)
        + ".\nRedo your edits against their real content."
    )


def timed_out(seconds: float) -> str:
    return f"The previous attempt ran out of time after {seconds:.0f}s. Answer more directly."


def no_edit(chat_files: Sequence[str], warnings: Sequence[str]) -> str:
    """A code request answered without an edit: say why and show the format again."""
    target = ", ".join(chat_files) if chat_files else "the file you change"
    example = chat_files[0] if chat_files else "path/to/file.py"
    lines = [f"Your reply had no SEARCH/REPLACE block for {target}, so nothing was changed."]
    lines += [f"- {w}" for w in warnings]
    lines += [
        "The request asks for a code change. Reply with one block per change, the file's "
        "path alone on the line before it:",
        "",
        example,
        "```",
        "<<<<<<< SEARCH",
        "(the exact current lines)",
        "=======",
        "(the new lines)",
        ">>>>>>> REPLACE",
        "```",
    ]
    return "\n".join(lines)
