"""The conversation: a scrolling list of entries that keeps few widgets mounted.

Every widget a screen holds costs time on every layout pass, so a day-long
session must not keep them all. Entries past `max_mounted` are archived as plain
data (the same `ConversationEntry` records the session is saved as) and drawn
again, a batch at a time, when the reader scrolls to the top.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from ingle.core.agent.saved_session import ConversationEntry
from ingle.tui.widgets.diff_view import DiffView
from ingle.tui.widgets.markdown_document import MarkdownDocument
from ingle.tui.panes.chat.widgets.step_line import StepLine
from ingle.tui.widgets.streaming_markdown import StreamingMarkdown
from ingle.tui.widgets.thinking_block import ThinkingBlock
from ingle.tui.panes.chat.widgets.user_message import UserMessage

ENTRY_ATTRIBUTE = "transcript_entry"


def widget_for(entry: ConversationEntry) -> Widget:
    """The widget that draws a saved entry."""
    if entry.kind == "user":
        widget: Widget = UserMessage(entry.text)
    elif entry.kind == "answer":
        widget = StreamingMarkdown(entry.text, classes="answer")
    elif entry.kind == "thinking":
        widget = ThinkingBlock(entry.text, done=True)
    elif entry.kind == "diff":
        widget = DiffView(entry.data.get("path", ""), entry.text)
    elif entry.kind == "note":
        widget = MarkdownDocument(entry.text, classes="note")
    else:
        widget = StepLine(entry.text, entry.data.get("style", "info"))
    setattr(widget, ENTRY_ATTRIBUTE, entry)
    return widget


def entry_of(widget: Widget) -> ConversationEntry | None:
    """The entry a widget draws; live widgets are read as they are now."""
    if isinstance(widget, StreamingMarkdown) and widget.has_class("answer"):
        return ConversationEntry(kind="answer", text=widget.source)
    if isinstance(widget, ThinkingBlock):
        return ConversationEntry(kind="thinking", text=widget.text)
    return getattr(widget, ENTRY_ATTRIBUTE, None)


class EarlierBar(Static):
    DEFAULT_CSS = """
    EarlierBar {
        display: none;
        color: $text-muted;
        text-align: center;
        background: $surface;
    }
    EarlierBar.-shown { display: block; }
    """


class NewOutputBar(Static):
    """Under the conversation while the reader is scrolled up and more has arrived."""

    DEFAULT_CSS = """
    NewOutputBar {
        display: none;
        color: $text-accent;
        text-align: center;
        background: $surface;
    }
    NewOutputBar.-shown { display: block; }
    """


class Transcript(VerticalScroll):
    DEFAULT_CSS = """
    Transcript {
        layout: stream;
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, max_mounted: int = 80, batch: int = 30, id: str | None = None) -> None:
        super().__init__(id=id)
        self.max_mounted = max_mounted
        self.batch = batch
        self.archived: list[ConversationEntry] = []
        # Kept in step with mounts and removals as they are asked for (the DOM's
        # children change only once they are processed).
        self._shown: list[Widget] = []
        self.bar = EarlierBar()
        self.below = NewOutputBar("▼ new output below: PageDown to follow it")

    def compose(self) -> ComposeResult:
        yield self.bar

    def on_mount(self) -> None:
        self.anchor()

    @property
    def entry_widgets(self) -> list[Widget]:
        return list(self._shown)

    def add(self, widget: Widget) -> Widget:
        """Append a widget at the end; older ones may be archived to keep the count low."""
        self.mount(widget)
        self._shown.append(widget)
        self._prune()
        self.note_output()
        return widget

    def replace(self, old: Widget, new: Widget) -> None:
        """Draw `new` where `old` is (a finished answer drawn again, shorter)."""
        if old not in self._shown:
            return
        self.mount(new, after=old)
        self._shown[self._shown.index(old)] = new
        old.remove()

    def drop(self, widget: Widget) -> None:
        """Take away a live widget that has done its job (a run's progress)."""
        if widget in self._shown:
            self._shown.remove(widget)
        if widget.is_mounted:
            widget.remove()

    def note_output(self) -> None:
        """New text arrived: if the reader is scrolled up, say so below the view."""
        if self.is_anchor_released and not self._at_end():
            self.below.add_class("-shown")

    def _at_end(self) -> bool:
        return self.scroll_y >= self.max_scroll_y

    def follow(self) -> None:
        """Back to the end, following new output again."""
        self.below.remove_class("-shown")
        self.scroll_end(animate=False)
        self.anchor()

    def page(self, up: bool) -> None:
        if up:
            self.scroll_page_up(animate=False)
        elif self.scroll_y + self.scrollable_content_region.height >= self.max_scroll_y:
            self.follow()  # the last page: follow new output again
        else:
            self.scroll_page_down(animate=False)

    def add_entry(self, entry: ConversationEntry) -> Widget:
        return self.add(widget_for(entry))

    def load(self, entries: list[ConversationEntry]) -> None:
        """Show a restored conversation: the newest entries drawn, the rest archived."""
        self.clear()
        keep = self.max_mounted // 2
        self.archived = list(entries[:-keep]) if len(entries) > keep else []
        shown = entries[-keep:]
        if shown:
            widgets = [widget_for(entry) for entry in shown]
            self.mount_all(widgets)
            self._shown = widgets
        self._update_bar()
        self.anchor()

    def clear(self) -> None:
        self.archived = []
        if self._shown:
            self.remove_children(self._shown)
        self._shown = []
        self._update_bar()

    def _prune(self) -> None:
        widgets = self.entry_widgets
        excess = len(widgets) - self.max_mounted
        # Only while following the end: pruning above a reader would move their text.
        if excess <= 0 or self.is_anchor_released:
            return
        gone: list[Widget] = []
        for widget in widgets[:excess]:
            entry = entry_of(widget)
            if entry is None or widget.has_class("-live"):
                break
            self.archived.append(entry)
            gone.append(widget)
        if gone:
            del self._shown[: len(gone)]
            self.remove_children(gone)
            self._update_bar()

    def show_earlier(self) -> None:
        """Draw the next batch of archived entries above the oldest one shown."""
        if not self.archived:
            return
        batch = self.archived[-self.batch :]
        del self.archived[-self.batch :]
        widgets = [widget_for(entry) for entry in batch]
        self.mount_all(widgets, after=self.bar)
        self._shown[:0] = widgets
        self._update_bar()

    @property
    def is_anchor_released(self) -> bool:
        return bool(getattr(self, "_anchor_released", False))

    def _update_bar(self) -> None:
        count = len(self.archived)
        self.bar.set_class(count > 0, "-shown")
        if count:
            self.bar.update(
                Content(f"▲ {count} earlier entries: scroll to the top or click to show more")
            )

    def on_click(self, event) -> None:
        if event.widget is self.bar:
            self.show_earlier()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y:
            self.below.remove_class("-shown")
        if new <= 0 < old and self.archived:
            self.show_earlier()
