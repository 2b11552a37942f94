"""A unified diff in colour: additions green, removals red, hunks and headers dimmed."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def colour_diff(diff: str) -> Content:
    parts: list[Content] = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---", "diff ", "index ")):
            style = "bold $text-muted"
        elif line.startswith("+"):
            style = "$text-success"
        elif line.startswith("-"):
            style = "$text-error"
        elif line.startswith("@@"):
            style = "$text-accent"
        else:
            style = ""
        parts.append(Content.styled(line, style) if style else Content(line))
    return Content("\n").join(parts)


class DiffView(Static):
    DEFAULT_CSS = """
    DiffView {
        margin: 1 1 0 1;
        padding: 0 1;
        background: $surface;
        border-left: wide $accent 50%;
    }
    """

    def __init__(self, path: str, diff: str) -> None:
        title = Content.styled(f"{path}\n", "bold") if path else Content("")
        super().__init__(title + colour_diff(diff.rstrip("\n") or "(no changes)"))
        self.path = path
        self.diff = diff
