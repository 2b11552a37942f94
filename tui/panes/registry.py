"""Every pane the app can show: its name (also its slash command), title, key and factory.

A feature adds its pane with one row appended to PANES (see tui/panes/base.py for the whole
contract). Factories are "module:Class" strings, imported on first open so start-up pays
only for the chat pane.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class PaneSpec:
    name: str  # the mode name and its slash command (/personas)
    title: str
    key: str  # the app-wide key that opens it (a Textual key name: "f5", "ctrl+g")
    factory: str  # "package.module:PaneClass"
    description: str

    def load(self) -> type[Screen]:
        module, _, attr = self.factory.partition(":")
        return getattr(importlib.import_module(module), attr)

    def make(self) -> Screen:
        return self.load()()

    @property
    def key_label(self) -> str:
        return self.key.upper() if len(self.key) <= 3 else self.key.replace("ctrl+", "Ctrl+")


PANES: tuple[PaneSpec, ...] = (
    PaneSpec("chat", "Chat", "f2", "ingle.tui.panes.chat.screen:ChatPane",
             "chat with the repository's persona and edit files"),
    PaneSpec("personas", "Personas", "f5", "ingle.tui.panes.personas.pane:PersonasPane",
             "persona versions, form, test panel, creator, export and register"),
    PaneSpec("evals", "Evals", "f9", "ingle.tui.panes.evals.pane:EvalsPane",
             "eval runs as cases x subjects: pass/fail, score and time; run, stop, resume"),
    PaneSpec("expenses", "Expenses", "f8", "ingle.tui.panes.expenses.pane:ExpensesPane",
             "the expense ledger: filters, re-categorise, rules, monthly totals"),
    PaneSpec("jobs", "Jobs", "f10", "ingle.tui.panes.jobs.pane:JobsPane",
             "idle-time jobs: the queue, progress, the idle gate's reason; pause, resume, cancel"),
)


def pane(name: str) -> PaneSpec | None:
    return next((p for p in PANES if p.name == name), None)
