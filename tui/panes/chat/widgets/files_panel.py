"""The files in the chat, beside the conversation (toggled with a key)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


class FilesPanel(Static):
    DEFAULT_CSS = """
    FilesPanel {
        width: 34;
        height: 1fr;
        display: none;
        border-left: solid $panel;
        padding: 0 1;
        color: $foreground;
    }
    FilesPanel.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.files: list[str] = []
        self.repo_map_tokens: int | None = None

    def show_files(self, files: list[str], repo_map_tokens: int | None = None) -> None:
        self.files = list(files)
        if repo_map_tokens is not None:
            self.repo_map_tokens = repo_map_tokens
        lines = [Content.styled(f"Files in the chat ({len(self.files)})", "bold")]
        lines += [Content(f"  {path}") for path in self.files] or [
            Content.styled("  none: @file or /add FILE", "dim")
        ]
        if self.repo_map_tokens is not None:
            lines += [Content(""), Content.styled(f"repo map: ~{self.repo_map_tokens} tokens", "dim")]
        self.update(Content("\n").join(lines))
