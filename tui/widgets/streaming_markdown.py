"""Markdown that arrives token by token and stays cheap however long it gets."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import AwaitMount, Widget

from ingle.tui.widgets.markdown_splitter import Cut, MarkdownSplitter
from ingle.tui.widgets.markdown_document import MarkdownDocument


class StreamingMarkdown(Widget):
    """A Markdown reply cut into documents at block boundaries as it streams.

    Finished documents settle: they are never parsed or measured again. Only the
    open document (about `min_chars` plus one block) changes, and it is drawn
    once per frame however many tokens arrived in between, so the cost of a
    token stays flat as the reply grows and writes never wait.
    """

    DEFAULT_CSS = """
    StreamingMarkdown {
        layout: stream;
        height: auto;
    }
    """

    def __init__(
        self,
        markdown: str = "",
        *,
        min_chars: int = 600,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._splitter = MarkdownSplitter(min_chars=min_chars)
        self._parts: list[str] = []
        self._documents: list[MarkdownDocument] = []
        self._open: MarkdownDocument | None = None
        self._last_mount: AwaitMount | None = None
        if markdown:
            self._feed(markdown)

    @property
    def source(self) -> str:
        """Everything written so far."""
        return "".join(self._parts)

    @property
    def document_count(self) -> int:
        return len(self._documents)

    def compose(self) -> ComposeResult:
        yield from self._documents

    def write(self, fragment: str) -> None:
        """Add a fragment; it is drawn on the next frame."""
        if fragment:
            self._feed(fragment)

    async def finish(self) -> None:
        """Wait until every document written so far is mounted."""
        if self._last_mount is not None:
            await self._last_mount

    def _feed(self, fragment: str) -> None:
        self._parts.append(fragment)
        for piece in self._splitter.feed(fragment):
            if isinstance(piece, Cut):
                self._open = None  # the open document is finished and settles as it is
            elif self._open is None:
                self._open = MarkdownDocument(piece)
                self._documents.append(self._open)
                if self.is_attached:
                    self._last_mount = self.mount(self._open)
            else:
                self._open.append(piece)
