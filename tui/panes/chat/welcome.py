"""The first screen of a new conversation: where you are, who answers, and what to type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.agent.saved_session import ConversationEntry

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.core.backends.inventory import EndpointInventory

FIRST_THINGS = (
    ("@FILE what does this do?", "ask about a file (@ adds it to the chat)"),
    ("/add FILE, then say what to change", "the edit is checked by the gates, shown, and committed"),
    ("/help", "every command and key"),
)


def welcome(engine: Engine, file_hint: str | None) -> ConversationEntry:
    """Repository, persona and model; then three things to type first (with a real file)."""
    branch = f" on `{engine.branch}`" if engine.branch else ""
    lines = [
        f"**Ingle** in `{engine.root}`{branch} · persona **{engine.session.persona}** · "
        f"model **{engine.first_model()}**",
        "",
        "Type one of these to start:",
    ]
    for typed, what in FIRST_THINGS:
        shown = typed.replace("FILE", file_hint) if file_hint else typed
        lines.append(f"- `{shown}`: {what}")
    return ConversationEntry(kind="note", text="\n".join(lines))


def server_line(inventory: EndpointInventory, model: str) -> tuple[str, str]:
    """Whether the model server answers and the first model is installed: (text, style)."""
    where = f"{inventory.name} ({inventory.url})"
    if inventory.unreachable or inventory.error:
        reason = inventory.error or "no answer"
        return (f"the model server {where} does not answer: {reason}", "fail")
    installed = {row.name for row in inventory.models}
    if model in installed or f"{model}:latest" in installed:
        return (f"the model server {where} answers; {model} is installed", "ok")
    return (
        f"the model server {where} answers, but {model} is not installed: "
        f"run `ollama pull {model}` (or /model to pick an installed one)",
        "warn",
    )


def models_note(inventory: EndpointInventory, current: str, overridden: bool) -> ConversationEntry:
    """`/model`: the installed models, the one in use marked."""
    if inventory.unreachable or inventory.error:
        text = f"the model server {inventory.name} ({inventory.url}) does not answer: {inventory.error}"
        return ConversationEntry(kind="step", text=text, data={"style": "fail"})
    rows = [
        f"- `{row.name}`{' (in use)' if row.name == current else ''}"
        + (f" {row.parameters}" if row.parameters else "")
        for row in sorted(inventory.models, key=lambda r: r.name)
    ] or ["- none installed: `ollama pull MODEL`"]
    whose = "your choice" if overridden else "the persona's"
    head = f"Installed on {inventory.name} ({inventory.url}); in use: `{current}` ({whose})"
    foot = "`/model NAME` uses one first; `/model default` goes back to the persona's."
    return ConversationEntry(kind="note", text="\n".join([head, "", *rows, "", foot]))
