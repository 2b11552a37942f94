"""One step of a turn in a line or a few: an attempt, a gate, a commit, a notice..."""

from __future__ import annotations

from typing import Literal

from textual.content import Content
from textual.widgets import Static

StepStyle = Literal["ok", "fail", "warn", "info", "dim", "summary"]
_MARKS: dict[str, str] = {"ok": "✓", "fail": "✗", "warn": "!", "info": "•", "dim": "·", "summary": "─"}


class StepLine(Static):
    DEFAULT_CSS = """
    StepLine {
        padding: 0 1;
        color: $text-muted;
    }
    StepLine.-ok { color: $success; }
    StepLine.-fail { color: $error; }
    StepLine.-warn { color: $warning; }
    StepLine.-info { color: $foreground; }
    StepLine.-dim { color: $text-disabled; }
    StepLine.-summary {
        color: $text-muted;
        margin-bottom: 1;
    }
    """

    def __init__(self, text: str, style: StepStyle = "info") -> None:
        super().__init__(Content(f"{_MARKS.get(style, '•')} {text}"), classes=f"-{style}")
        self.text = text
        self.style_name = style
