"""The multi-line prompt: Enter sends, Shift+Enter or Ctrl+J breaks the line."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from ingle.tui.panes.chat.completion_source import Completion, CompletionSource
from ingle.tui.panes.chat.prompt_history import PromptHistory
from ingle.tui.panes.chat.widgets.completion_menu import CompletionMenu

NEWLINE_KEYS = frozenset({"shift+enter", "ctrl+j", "alt+enter"})


class PromptInput(TextArea):
    """Up/Down walk the history from the first/last line; `/` and `@` open completion."""

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: round $primary 50%;
        padding: 0 1;
    }
    PromptInput:focus {
        border: round $primary;
    }
    """

    @dataclass
    class Submitted(Message):
        text: str

    @dataclass
    class CompletionAccepted(Message):
        completion: Completion

    @dataclass
    class PageRequested(Message):
        """PageUp/PageDown while typing: the conversation scrolls, the prompt keeps focus."""

        up: bool

    def __init__(
        self,
        menu: CompletionMenu,
        source: CompletionSource,
        history: PromptHistory,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.menu = menu
        self.source = source
        self.prompt_history = history
        self._loading = False  # a recalled or cleared text is not typing: no completion

    async def _on_key(self, event: events.Key) -> None:
        if self._handle(event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _handle(self, key: str) -> bool:
        if key in ("pageup", "pagedown"):
            self.post_message(self.PageRequested(up=key == "pageup"))
            return True
        menu_open = self.menu.shown
        if menu_open and key in ("tab", "enter") and not self._menu_matches_text():
            # Typed faster than the menu follows (or pasted): the menu is stale.
            menu_open = False
            self.menu.hide()
        if menu_open and key == "enter" and self._word_is_complete():
            menu_open = False  # "/help" typed in full: Enter sends it
            self.menu.hide()
        if menu_open and key in ("tab", "enter"):
            self._accept(self.menu.chosen)
            return True
        if menu_open and key in ("up", "down"):
            self.menu.move(-1 if key == "up" else 1)
            return True
        if menu_open and key == "escape":
            self.menu.hide()
            return True
        if key == "enter":
            self._submit()
            return True
        if key in NEWLINE_KEYS:
            self.insert("\n")
            return True
        row, _ = self.cursor_location
        if key == "up" and row == 0:
            earlier = self.prompt_history.back(self.text)
            if earlier is not None:
                self._replace_all(earlier)
            return True
        if key == "down" and row == self.document.line_count - 1:
            later = self.prompt_history.forward()
            if later is not None:
                self._replace_all(later)
            return True
        return False

    def _submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.prompt_history.add(text)
        self._replace_all("")
        self.post_message(self.Submitted(text))

    def _replace_all(self, text: str) -> None:
        self._loading = True
        self.menu.hide()
        self.load_text(text)
        self.move_cursor(self.document.end)

    def _menu_matches_text(self) -> bool:
        """The menu's choice still completes the word before the cursor as it is now."""
        chosen, context = self.menu.chosen, self.menu.context
        if chosen is None or context is None:
            return False
        row, column = self.cursor_location
        fresh = self.source.suggest(self.document.get_line(row)[:column], first_line=row == 0)
        if fresh is None or fresh.start != context.start:
            return False
        return any(c.replacement == chosen.replacement for c in fresh.completions)

    def _word_is_complete(self) -> bool:
        chosen, context = self.menu.chosen, self.menu.context
        if chosen is None or context is None:
            return False
        row, column = self.cursor_location
        word = self.document.get_line(row)[context.start : column]
        return word == chosen.replacement.rstrip()

    def _accept(self, completion: Completion | None) -> None:
        context = self.menu.context
        self.menu.hide()
        if completion is None or context is None:
            return
        row, column = self.cursor_location
        self.replace(completion.replacement, (row, context.start), (row, column))
        self.post_message(self.CompletionAccepted(completion))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self._loading:
            self._loading = False
            return
        row, column = self.cursor_location
        before = self.document.get_line(row)[:column]
        context = self.source.suggest(before, first_line=row == 0)
        if context is None or not context.completions:
            self.menu.hide()
        else:
            self.menu.show(context)
