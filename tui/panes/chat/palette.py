"""The chat pane's entries in the command palette (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ingle.tui.panes.base import PaletteEntry

if TYPE_CHECKING:
    from ingle.tui.panes.chat.screen import ChatPane


def chat_palette(pane: ChatPane) -> Iterator[PaletteEntry]:
    """Personas, models, toggles and views, each running what typing it would."""
    if pane.opened is None:
        return
    engine = pane.engine

    def line(text: str) -> Any:
        # The coroutine is made when the command is chosen, not when it is listed.
        return lambda: pane.run_worker(pane.run_line(text), exit_on_error=False)

    for persona in engine.personas():
        yield PaletteEntry(f"Persona: {persona.name}", persona.persona.description, line(f"/persona {persona.name}"))
    models = sorted({*engine.settings.models, *engine.settings.roles.values()})
    yield PaletteEntry("Model: the persona's own", "clear the model override", line("/model default"))
    for model in models:
        yield PaletteEntry(f"Model: {model}", "use this model first", line(f"/model {model}"))
    yield PaletteEntry("Toggle thinking", "auto → on → off for the first attempt", line("/think"))
    yield PaletteEntry("Undo the last Ingle commit", "revert it, if unpushed and at HEAD", line("/undo"))
    yield PaletteEntry("Show the last diff", "the last Ingle commit's changes", line("/diff"))
    yield PaletteEntry("Ask mode", "answers only, no edits", line("/ask"))
    yield PaletteEntry("Code mode", "edit files", line("/code"))
    yield PaletteEntry("Files panel", "show or hide the files in the chat", pane.action_toggle_files)
    yield PaletteEntry("Model call log", "the exact requests and replies", pane.action_show_log)
    yield PaletteEntry("Auto-apply edits", "toggle asking before edits are written", pane.action_toggle_auto_edits)
    yield PaletteEntry("Token budget", "what the next turn would send", line("/tokens"))
    yield PaletteEntry("New conversation", "clear the history (files stay)", line("/clear"))
