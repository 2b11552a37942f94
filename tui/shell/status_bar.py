"""The always-visible line at the bottom of every pane: which pane, its fields, shared figures."""

from __future__ import annotations

import time
from typing import Any

from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from ingle.tui.shell.status_info import BarInfo

REFRESH_EVERY_S = 0.3  # as Claude Code's status line: often enough, never per token


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = BarInfo()
        self._pending: Timer | None = None
        self._drawn_at = 0.0

    def on_mount(self) -> None:
        self._draw()

    def set(self, **changes: Any) -> None:
        """Change some fields; the bar redraws at once if it has been quiet, else at
        the end of the current REFRESH_EVERY_S window (with everything changed by then)."""
        self.info = self.info.model_copy(update=changes)
        if self._pending is not None or not self.is_mounted:
            return
        wait = self._drawn_at + REFRESH_EVERY_S - time.monotonic()
        if wait <= 0:
            self._draw()
        else:
            self._pending = self.set_timer(wait, self._draw)

    def flush(self) -> None:
        """Draw now (tests and snapshots)."""
        if self._pending is not None:
            self._pending.stop()
        self._draw()

    def _draw(self) -> None:
        self._pending = None
        self._drawn_at = time.monotonic()
        separator = Content.styled(" │ ", "$text-disabled")
        busy = Content.styled("● ", "$accent") if self.info.busy else Content("")
        segments = self.info.segments()
        head = Content.styled(segments[0], "bold") if segments else Content("")
        self.update(busy + separator.join([head, *(Content(part) for part in segments[1:])]))
