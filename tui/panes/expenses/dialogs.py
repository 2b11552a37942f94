"""The Expenses pane's small dialogs: pick a category, type a line, write a rule."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class CategoryPicker(ModalScreen[str | None]):
    """Type to filter; Enter takes the highlighted category, or the typed name as a new one."""

    DEFAULT_CSS = """
    CategoryPicker { align: center middle; }
    CategoryPicker > Vertical { width: 50; height: auto; max-height: 80%; border: round $accent;
                                background: $surface; padding: 0 1; }
    CategoryPicker OptionList { height: auto; max-height: 16; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, categories: list[str], current: str | None) -> None:
        super().__init__()
        self.title_text = title
        self.categories = categories
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(placeholder="type to filter, or a new category name", id="filter")
            yield OptionList(*self._options(""), id="choices")

    def _options(self, typed: str) -> list[Option]:
        shown = [c for c in self.categories if typed.lower() in c.lower()]
        options = [Option(c + ("  (now)" if c == self.current else ""), id=c) for c in shown]
        if typed.strip() and typed.strip() not in self.categories:
            options.append(Option(f"new category: {typed.strip()}", id=f"new:{typed.strip()}"))
        return options

    def on_input_changed(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._options(event.value))
        if choices.option_count:
            choices.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        choices = self.query_one(OptionList)
        if choices.highlighted is not None and choices.option_count:
            self._take(choices.get_option_at_index(choices.highlighted).id)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._take(event.option.id)

    def _take(self, option_id: str | None) -> None:
        if option_id:
            self.dismiss(option_id.removeprefix("new:"))

    def key_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def key_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(ModalScreen[str | None]):
    """One line of text (an expense, a file path, a rule); Esc cancels."""

    DEFAULT_CSS = """
    TextPrompt { align: center middle; }
    TextPrompt > Vertical { width: 70; height: auto; border: round $accent; background: $surface;
                            padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(placeholder=self.placeholder, id="text")
            if self.hint:
                yield Label(self.hint, classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
