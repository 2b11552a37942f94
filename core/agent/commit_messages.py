"""Commit messages for Ingle's commits, written by the classifier persona.

A small fast model with a JSON schema gives a conventional-commit subject in well
under a second on a GPU; any failure (server down, bad JSON, timeout) falls back to
the deterministic message from core.vcs, so a commit never waits on this.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ingle.core.config.ladder import Rung
from ingle.core.backends.base import collect
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.types import ChatMessage, ChatRequest, SamplingOptions

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine

PERSONA = "my-classifier"
TIMEOUT_S = 30.0
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


def commit_messager(engine: Engine):  # noqa: ANN201 - core.turn_types.CommitMessager
    """The turn's commit-message step, bound to this engine's classifier model."""

    async def write(instruction: str, paths: list[str], diff: str) -> str:
        if PERSONA not in engine.registry:
            return ""
        persona = engine.registry.get(PERSONA)
        sampling = persona.sampling()
        request = ChatRequest(
            model=persona.model_ref.model,
            messages=[
                ChatMessage(role="system", content=SYSTEM),
                ChatMessage(
                    role="user",
                    content=f"Request: {instruction.strip()[:500]}\n\nDiff:\n{diff[:MAX_DIFF_CHARS]}",
                ),
            ],
            options=SamplingOptions(temperature=sampling.temperature, top_p=sampling.top_p),
            think=False,
            json_schema=SCHEMA,
        )
        backend = engine.backend_for(Rung(model=persona.model_ref.model, endpoint=persona.model_ref.endpoint))
        stream = recorded_stream(
            backend, request, engine.store, persona=PERSONA, task_kind="commit_message",
            repo=str(engine.root),
        )
        async with asyncio.timeout(TIMEOUT_S):
            result = await collect(stream, request)
        return format_message(result.parsed_json or {}, paths)

    return write
