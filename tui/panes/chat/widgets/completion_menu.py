"""The list of suggestions shown above the prompt while typing `/` or `@`."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ingle.tui.panes.chat.completion_source import Completion, CompletionContext


class CompletionMenu(OptionList, can_focus=False):
    """Never takes focus: the prompt keeps it and steers the menu with its keys."""

    DEFAULT_CSS = """
    CompletionMenu {
        display: none;
        height: auto;
        max-height: 10;
        border: round $primary 60%;
        background: $surface;
        padding: 0 1;
    }
    CompletionMenu.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.context: CompletionContext | None = None

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def show(self, context: CompletionContext) -> None:
        self.context = context
        self.set_options(
            Option(
                Content.assemble(
                    (item.label, "bold"), ("  " + item.help, "dim") if item.help else ""
                )
            )
            for item in context.completions
        )
        self.highlighted = 0
        self.add_class("-shown")

    def hide(self) -> None:
        self.context = None
        self.remove_class("-shown")

    def move(self, delta: int) -> None:
        if self.option_count:
            self.highlighted = ((self.highlighted or 0) + delta) % self.option_count

    @property
    def chosen(self) -> Completion | None:
        if self.context is None or self.highlighted is None:
            return None
        return self.context.completions[self.highlighted]
