"""The model's hidden reasoning: dimmed, collapsible, folded away once it is done."""

from __future__ import annotations

from textual.widgets import Collapsible

from ingle.tui.widgets.streaming_markdown import StreamingMarkdown


class ThinkingBlock(Collapsible):
    DEFAULT_CSS = """
    ThinkingBlock {
        border: none;
        padding: 0;
        margin: 0;
        background: transparent;
        color: $text-muted;
        text-style: italic;
    }
    ThinkingBlock > Contents {
        padding: 0 0 0 2;
    }
    ThinkingBlock StreamingMarkdown {
        color: $text-muted;
    }
    """

    def __init__(self, text: str = "", *, done: bool = False) -> None:
        self.body = StreamingMarkdown(text, classes="thinking")
        super().__init__(self.body, title=self._label(done), collapsed=done)
        self.done = done

    @property
    def text(self) -> str:
        return self.body.source

    def write(self, fragment: str) -> None:
        self.body.write(fragment)

    def finish(self) -> None:
        """Thinking is over: fold it away, keeping it one click (or Enter) from view."""
        self.done = True
        self.title = self._label(True)
        self.collapsed = True

    @staticmethod
    def _label(done: bool) -> str:
        return "thought (expand)" if done else "thinking…"
