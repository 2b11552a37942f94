"""Plain-text helpers shared by the trimmers: cleaning tool output and keeping it short."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
MAX_MESSAGE_LINES = 20
MAX_TRACE_FRAMES = 6
MAX_LINE_CHARS = 300


def clean_output(text: str, roots: Sequence[str]) -> str:
    """Colour codes and carriage-return progress removed; the tree's absolute paths
    made relative, so a run in a temp tree reads like a run in the repository."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    for root in sorted({r.rstrip("/") for r in roots if r}, key=len, reverse=True):
        text = text.replace(f"file://{root}/", "").replace(f"{root}/", "").replace(root, ".")
    return text


def clip_lines(lines: Iterable[str], limit: int = MAX_MESSAGE_LINES) -> str:
    """At most `limit` lines (blank lines around them dropped), each at most
    MAX_LINE_CHARS; says how much was cut."""
    kept = list(lines)
    while kept and not kept[-1].strip():
        kept.pop()
    start = next((i for i, line in enumerate(kept) if line.strip()), len(kept))
    kept = kept[start:]
    extra = len(kept) - limit
    kept = [
        line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + " …"
        for line in kept[:limit]
    ]
    if extra > 0:
        kept.append(f"… {extra} more lines")
    return "\n".join(kept)


def last_frames(frames: Sequence[str], limit: int = MAX_TRACE_FRAMES) -> str:
    """The innermost frames: where the failure happened and what called it."""
    kept = list(frames[-limit:])
    if len(frames) > limit:
        kept.insert(0, f"… {len(frames) - limit} outer frames")
    return "\n".join(kept)


def in_repository(path: str) -> bool:
    """After clean_output, paths inside the tree are relative; library, runtime and
    standard-library paths stay absolute or are internal (node:, <frozen ...>)."""
    path = path.strip()
    return (
        bool(path)
        and not path.startswith(("/", "<", "node:", "internal/", "~"))
        and (
            "site-packages/" not in path
            and "node_modules/" not in path
            and not re.match(r"^[A-Za-z]:\\", path)
        )
    )


def tail(text: str, max_lines: int = 60, max_chars: int = 8000) -> str:
    lines = text.rstrip("\n").split("\n")[-max_lines:]
    result = "\n".join(lines)
    return result[-max_chars:]
