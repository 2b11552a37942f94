"""The chat pane's entries in the command palette (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ingle.tui.panes.base import PaletteEntry

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.core.agent.saved_session import OpenedSession


class PalettePane(Protocol):
    """What the entries run on (the chat pane)."""

    opened: OpenedSession | None

    @property
    def engine(self) -> Engine: ...
    def run_worker(self, work: Coroutine[Any, Any, None], *, exit_on_error: bool) -> Any: ...
    async def run_line(self, text: str) -> None: ...
    def action_toggle_files(self) -> None: ...
    def action_show_log(self) -> None: ...
    def action_toggle_auto_edits(self) -> None: ...


def chat_palette(pane: PalettePane) -> Iterator[PaletteEntry]:
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
