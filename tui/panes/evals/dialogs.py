"""The Evals pane's dialogs: one line of text (a suite to run, a comment), and a sample's
details (output, thinking, the request as sent, each check's reason, a diff)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static


class LinePrompt(ModalScreen[str | None]):
    """Asks for one line; Enter returns it (an empty line is None unless `allow_empty`),
    Escape returns None."""

    DEFAULT_CSS = """
    LinePrompt { align: center middle; }
    LinePrompt > Vertical { width: 80; height: auto; border: round $accent; padding: 1 2;
                            background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str = "", allow_empty: bool = False) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question)
            yield Input(value=self.value, id="line")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        line = event.value.strip()
        self.dismiss(line if line or self.allow_empty else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SampleDetails(ModalScreen[None]):
    """Everything about one cell's samples, scrollable; Escape or q closes it."""

    DEFAULT_CSS = """
    SampleDetails { align: center middle; }
    SampleDetails > VerticalScroll { width: 95%; height: 90%; border: round $accent;
                                     padding: 0 1; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.heading = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="details"):
            yield Static(self.heading, id="details-title", markup=False)
            yield Static(self.text, id="details-text", markup=False)
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
