"""Where a growing Markdown reply may be cut into independent documents.

Streaming into one Markdown widget costs more per token the longer the reply gets
(every append re-joins and re-splits the whole source and lays out every block).
Cutting the reply at block boundaries lets finished blocks settle in their own
widgets, so only the open block is re-parsed. A cut is safe where a top-level
block starts: a line beginning in column 0 after a blank line, outside a code
fence. Indented lines after a blank line may continue a list item, so they are
never cut there.
"""

from __future__ import annotations

from dataclasses import dataclass

_FENCE_CHARS = ("`", "~")


@dataclass
class Cut:
    """Start a new document before the text that follows."""


@dataclass
class MarkdownSplitter:
    """Incremental: feed fragments in order, get text pieces and cuts back.

    `min_chars` keeps documents from getting too small: a cut is only made once
    the current document holds at least that many characters.
    """

    min_chars: int = 1200
    _line: str = ""
    _fence: tuple[str, int] | None = None
    _after_blank: bool = False
    _current_chars: int = 0
    _has_content: bool = False

    def feed(self, fragment: str) -> list[str | Cut]:
        out: list[str | Cut] = []
        start = 0
        length = len(fragment)
        while start < length:
            end = fragment.find("\n", start)
            piece = fragment[start:] if end < 0 else fragment[start : end + 1]
            start = length if end < 0 else end + 1
            if not self._line and self._may_cut_before(piece[0]):
                out.append(Cut())
                self._current_chars = 0
                self._has_content = False
            self._line += piece
            self._current_chars += len(piece)
            out.append(piece)
            if piece.endswith("\n"):
                self._end_line(self._line)
                self._line = ""
        return _merge_text(out)

    def _may_cut_before(self, first_char: str) -> bool:
        return (
            self._fence is None
            and self._after_blank
            and self._has_content
            and self._current_chars >= self.min_chars
            and first_char not in " \t\n\r"
        )

    def _end_line(self, line: str) -> None:
        stripped = line.strip()
        if self._fence is not None:
            char, size = self._fence
            run = len(stripped) - len(stripped.lstrip(char))
            if run >= size and not stripped[run:].strip():
                self._fence = None
            self._after_blank = False
            return
        marker = stripped[:1]
        if marker in _FENCE_CHARS:
            run = len(stripped) - len(stripped.lstrip(marker))
            # A backtick fence's info string may not contain backticks (CommonMark 4.5).
            if run >= 3 and not (marker == "`" and "`" in stripped[run:]):
                self._fence = (marker, run)
        blank = not stripped
        self._after_blank = blank
        if not blank:
            self._has_content = True


def _merge_text(pieces: list[str | Cut]) -> list[str | Cut]:
    merged: list[str | Cut] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged
