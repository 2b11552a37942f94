"""Earlier prompts, walked with Up and Down like a shell's history."""

from __future__ import annotations

from collections.abc import Iterable


class PromptHistory:
    """Up goes back, Down comes forward; past the newest entry is the draft being typed."""

    def __init__(self, entries: Iterable[str] = (), limit: int = 500) -> None:
        self._entries: list[str] = [e for e in entries if e.strip()][-limit:]
        self._limit = limit
        self._index = len(self._entries)  # == len: at the draft
        self._draft = ""

    @property
    def entries(self) -> list[str]:
        return list(self._entries)

    def add(self, text: str) -> None:
        if text.strip() and (not self._entries or self._entries[-1] != text):
            self._entries.append(text)
            del self._entries[: -self._limit]
        self._index = len(self._entries)
        self._draft = ""

    def back(self, current: str) -> str | None:
        """The previous entry, or None at the oldest."""
        if self._index == 0:
            return None
        if self._index == len(self._entries):
            self._draft = current
        self._index -= 1
        return self._entries[self._index]

    def forward(self) -> str | None:
        """The next entry (the draft after the newest), or None when at the draft."""
        if self._index >= len(self._entries):
            return None
        self._index += 1
        return self._draft if self._index == len(self._entries) else self._entries[self._index]
