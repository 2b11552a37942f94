"""What the prompt offers while typing: `/` commands and `@` repository files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel
from textual.fuzzy import FuzzySearch

from ingle.tui.panes.chat.slash_commands import commands_starting

_MENTION = re.compile(r"(?:^|\s)@([^\s@]*)$")
_SLASH = re.compile(r"/(\w*)")
_FILE_ARGUMENT = re.compile(r"/(?:add|drop)\s+(?:\S+\s+)*(\S*)$")
MAX_SUGGESTIONS = 8


class Completion(BaseModel):
    kind: Literal["command", "file"]
    replacement: str  # replaces the text from `start` to the cursor
    label: str
    help: str = ""


class CompletionContext(BaseModel):
    start: int  # column in the cursor's line where the completed word begins
    completions: list[Completion]


class CompletionSource:
    """Suggestions for the word before the cursor. Files come from the repository
    (set once the engine is open); matching is fuzzy, as in the command palette."""

    def __init__(self) -> None:
        self._files: list[str] = []
        self._search = FuzzySearch()

    @property
    def files(self) -> list[str]:
        return self._files

    def set_files(self, files: Sequence[str]) -> None:
        self._files = list(files)

    def suggest(self, before_cursor: str, first_line: bool) -> CompletionContext | None:
        if first_line and (slash := _SLASH.fullmatch(before_cursor)):
            commands = commands_starting(slash.group(1))
            return CompletionContext(
                start=0,
                completions=[
                    Completion(kind="command", replacement=f"/{c.name} ", label=f"/{c.name}", help=c.help)
                    for c in commands
                ],
            ) if commands else None
        if first_line and (argument := _FILE_ARGUMENT.match(before_cursor)):
            word = argument.group(1)
            return self._files_context(len(before_cursor) - len(word), word, prefix="")
        if mention := _MENTION.search(before_cursor):
            word = mention.group(1)
            return self._files_context(len(before_cursor) - len(word) - 1, word, prefix="@")
        return None

    def _files_context(self, start: int, query: str, prefix: str) -> CompletionContext | None:
        paths = self.match_files(query)
        if not paths:
            return None
        return CompletionContext(
            start=start,
            completions=[
                Completion(kind="file", replacement=f"{prefix}{path} ", label=path) for path in paths
            ],
        )

    def match_files(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
        """Best fuzzy matches: every query character in order, tighter and earlier first."""
        if not query:
            return sorted(self._files, key=lambda p: (p.count("/"), p))[:limit]
        # A cheap in-order filter first, so scoring only sees plausible paths.
        pattern = re.compile(".*?".join(re.escape(ch) for ch in query), re.IGNORECASE)
        plausible = [path for path in self._files if pattern.search(path)]
        scored = []
        for path in plausible:
            score, _ = self._search.match(query, path)
            # Prefer matches in the file name over matches spread along the path.
            if query.lower() in path.rsplit("/", 1)[-1].lower():
                score += 1.0
            scored.append((-score, len(path), path))
        return [path for _, _, path in sorted(scored)[:limit]]
