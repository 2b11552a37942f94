"""What the person typed, as it appears in the conversation."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class UserMessage(Static):
    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $primary;
        background: $primary 8%;
        color: $foreground;
    }
    """

    def __init__(self, text: str) -> None:
        # Content, not markup: square brackets in a prompt are text, never styles.
        super().__init__(Content(text))
        self.text = text
