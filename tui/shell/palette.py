"""Ingle's commands in the command palette (Ctrl+P): panes, themes, and the open pane's own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ingle.themes.ingle import INGLE_THEMES
from ingle.tui.panes.base import Pane, PaletteEntry
from ingle.tui.panes.registry import PANES


class IngleCommands(Provider):
    """Commands are built when the palette opens, from the open pane's current state."""

    def _entries(self) -> Iterator[PaletteEntry]:
        app = self.app
        switch: Callable[[str], object] = getattr(app, "switch_pane", app.switch_mode)
        for spec in PANES:
            yield PaletteEntry(
                f"Pane: {spec.title}", f"{spec.description} ({spec.key_label})", partial(switch, spec.name)
            )
        for theme in INGLE_THEMES:
            yield PaletteEntry(f"Theme: {theme.name}", "Ingle's own theme", partial(setattr, app, "theme", theme.name))
        screen = self.screen
        if isinstance(screen, Pane):
            yield from screen.palette_entries()

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.title, entry.run, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title), entry.run, help=entry.help)
