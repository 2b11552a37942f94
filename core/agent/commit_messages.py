"""Commit messages for Ingle's commits, written by the classifier persona.

A small fast model with a JSON schema gives a conventional-commit subject in well
under a second on a GPU; any failure (server down, bad JSON, timeout) falls back to
the deterministic message from core.vcs, so a commit never waits on this.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ingle.core.backends.calls import WindowTooSmall
from ingle.core.backends.types import ChatMessage

if TYPE_CHECKING:
    from ingle.core.agent.turn_types import CommitMessager
    from ingle.core.backends.calls import PersonaCaller
    from ingle.personas.registry import PersonaRegistry

PERSONA = "my-classifier"
MAX_DIFF_CHARS = 6000
TYPES = ["feat", "fix", "refactor", "perf", "docs", "test", "style", "build", "ci", "chore"]
SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string", "enum": TYPES},
        "scope": {"type": "string", "maxLength": 24},
        "subject": {"type": "string", "minLength": 3, "maxLength": 72},
    },
    "required": ["type", "subject"],
}
SYSTEM = (
    "You write git commit messages in the conventional-commit style. Given the request "
    "and the diff, answer with the commit type, an optional short scope (a module or "
    "directory name, lower case) and a subject: imperative mood, lower case first word, "
    "no final period, at most 60 characters, saying what changed."
)


def format_message(answer: dict, paths: list[str]) -> str:
    kind = answer.get("type") if answer.get("type") in TYPES else "chore"
    scope = str(answer.get("scope") or "").strip().lower().replace(" ", "-")
    subject = " ".join(str(answer.get("subject", "")).split()).rstrip(".")
    head = f"{kind}({scope}): {subject}" if scope else f"{kind}: {subject}"
    return head[:72] + "\n\nFiles: " + ", ".join(paths)


def commit_messager(
    caller: PersonaCaller, personas: PersonaRegistry, timeout_s: float = 30.0
) -> CommitMessager:
    """The turn's commit-message step: the classifier persona through the persona caller,
    given `timeout_s` before the fixed rule writes the message."""

    async def write(instruction: str, paths: list[str], diff: str) -> str:
        if PERSONA not in personas:
            return ""
        messages = [
            ChatMessage(role="system", content=SYSTEM),
            ChatMessage(
                role="user",
                content=f"Request: {instruction.strip()[:500]}\n\nDiff:\n{diff[:MAX_DIFF_CHARS]}",
            ),
        ]
        try:
            async with asyncio.timeout(timeout_s):
                result = await caller.call(
                    personas.get(PERSONA), messages, task_kind="commit_message", think=False,
                    json_schema=SCHEMA,
                )
        except WindowTooSmall:  # the deterministic message will do
            return ""
        return format_message(result.parsed_json or {}, paths)

    return write
