"""One Markdown document drawn as a single widget (no widget per block)."""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

DARK_CODE_THEME = "monokai"
LIGHT_CODE_THEME = "default"


class MarkdownDocument(Widget):
    """Markdown rendered by Rich as one widget, code blocks highlighted by Pygments.

    A screen visits every mounted widget on each layout pass, so a long reply
    drawn as a widget per block (Textual's `Markdown`) makes every pass slower.
    One widget per document keeps the count small. The rendered lines are cached
    and serve both measuring and drawing, so a changed document is rendered
    once per frame, and a settled one only again when the width or theme changes.
    """

    DEFAULT_CSS = """
    MarkdownDocument {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, source: str = "", *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self._source = source
        self._version = 0
        self._lines_key: tuple[int, int, bool] | None = None
        self._lines: list[list[Segment]] = []

    @property
    def source(self) -> str:
        return self._source

    def append(self, fragment: str) -> None:
        self._source += fragment
        self._version += 1
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rendered(width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self._rendered(width)
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        # A Strip is made per drawn line, not kept: each one carries several caches,
        # and thousands of them kept alive make every garbage collection slower.
        return Strip(lines[y]).extend_cell_length(width, self.rich_style)

    def notify_style_update(self) -> None:
        # A theme switch changes colours and maybe dark/light: render again.
        self._lines_key = None
        self.refresh(layout=True)
        super().notify_style_update()

    def _rendered(self, width: int) -> list[list[Segment]]:
        dark = self.app.current_theme.dark
        key = (width, self._version, dark)
        if key != self._lines_key and width > 0:
            markdown = RichMarkdown(
                self._source,
                code_theme=DARK_CODE_THEME if dark else LIGHT_CODE_THEME,
                hyperlinks=False,
            )
            style = self.rich_style
            options = self.app.console_options.update(highlight=False).update_width(width)
            segments = self.app.console.render(self.post_render(markdown, style), options)
            self._lines = list(
                Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False)
            )
            self._lines_key = key
        return self._lines
