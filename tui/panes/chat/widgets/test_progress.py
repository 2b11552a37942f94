"""Live progress of a `/test` run: how much the tests have printed, and their last lines,
redrawn as the output arrives (a suite may run for minutes)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

TAIL_LINES = 3


class TestProgress(Static):
    """Fed with the run's output text; removed when the run ends (its result follows)."""

    __test__ = False  # not a pytest class, whatever its name says

    DEFAULT_CSS = """
    TestProgress {
        padding: 0 1 0 3;
        color: $text-muted;
    }
    """

    def __init__(self) -> None:
        super().__init__(Content("· waiting for the tests' first output…"))
        self.lines: list[str] = []
        self._partial = ""

    def feed(self, text: str) -> None:
        """Add output as it comes (chunks may end mid-line)."""
        parts = (self._partial + text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
        self._partial = parts.pop()
        self.lines += [line for line in parts if line.strip()]
        self.update(Content(self.shown()))

    def shown(self) -> str:
        lines = self.lines + ([self._partial] if self._partial.strip() else [])
        head = f"· running: {len(lines)} line{'s' if len(lines) != 1 else ''} of output so far"
        tail = [f"  {line[:160]}" for line in lines[-TAIL_LINES:]]
        return "\n".join([head, *tail])
