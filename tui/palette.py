"""Ingle's commands in the command palette (Ctrl+P): personas, models, themes, screens…"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from ingle.themes.ingle import INGLE_THEMES

PaletteCommand = tuple[str, str, Callable[[], object]]


class IngleCommands(Provider):
    """Commands are built when the palette opens, from the engine's current state."""

    def _commands(self) -> Iterator[PaletteCommand]:
        from ingle.tui.screens.chat import ChatScreen

        app = self.app
        for mode in getattr(app, "MODES", {}):
            yield (f"Screen: {mode.title()}", f"switch to the {mode} screen", partial(app.switch_mode, mode))
        for theme in INGLE_THEMES:
            yield (f"Theme: {theme.name}", "Ingle's own theme", partial(setattr, app, "theme", theme.name))
        screen = self.screen
        if not isinstance(screen, ChatScreen) or screen.opened is None:
            return
        engine = screen.engine

        def line(text: str) -> Callable[[], object]:
            # The coroutine is made when the command is chosen, not when it is listed.
            return lambda: screen.run_worker(screen.run_line(text), exit_on_error=False)

        for persona in engine.personas():
            yield (f"Persona: {persona.name}", persona.persona.description, line(f"/persona {persona.name}"))
        models = sorted({*engine.settings.models, *engine.settings.roles.values()})
        yield ("Model: the persona's own", "clear the model override", line("/model"))
        for model in models:
            yield (f"Model: {model}", "use this model first", line(f"/model {model}"))
        yield ("Toggle thinking", "auto → on → off for the first attempt", line("/think"))
        yield ("Undo the last Ingle commit", "revert it, if unpushed and at HEAD", line("/undo"))
        yield ("Show the last diff", "the last Ingle commit's changes", line("/diff"))
        yield ("Ask mode", "answers only, no edits", line("/ask"))
        yield ("Code mode", "edit files", line("/code"))
        yield ("Files panel", "show or hide the files in the chat", screen.action_toggle_files)
        yield ("Model call log", "the exact requests and replies", screen.action_show_log)
        yield ("Auto-apply edits", "toggle asking before edits are written", screen.action_toggle_auto_edits)
        yield ("Token budget", "what the next turn would send", line("/tokens"))
        yield ("New conversation", "clear the history (files stay)", line("/clear"))

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
