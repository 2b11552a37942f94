"""What kind of task an instruction is, asked of the classifier persona when the
persona and the command leave it open (cascade.classify_tasks).

The answer picks the ladder (complex code goes to the architecture ladder, which starts
on the larger model) and its confidence is a climb trigger: an unsure classification
skips the fast first rung.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from ingle.core.backends.types import ChatMessage
from ingle.core.errors import IngleError
from ingle.core.routing.router import TASK_KINDS

if TYPE_CHECKING:
    from ingle.core.backends.calls import PersonaCaller
    from ingle.personas.registry import PersonaRegistry

PERSONA = "my-classifier"
TIMEOUT_S = 20.0
SCHEMA = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "enum": list(TASK_KINDS)},
        "complexity": {"type": "string", "enum": ["low", "medium", "high"]},
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
        "reason": {"type": "string", "maxLength": 200},
    },
    "required": ["label", "complexity", "confidence", "reason"],
}
KIND_HELP = (
    "code: change or write code; frontend: web UI code (React, HTML, CSS); architecture: "
    "design a system or a large multi-part change; review: judge existing code; "
    "classification: sort items into labels; translation; writing: prose and docs; "
    "summary: condense a text; chat: a question that needs no edit."
)


class TaskClass(BaseModel):
    kind: str
    complexity: Literal["low", "medium", "high"]
    confidence: float = Field(ge=0, le=1)
    reason: str = ""

    def ladder_kind(self) -> str:
        """Complex code is planned like architecture: it starts on the larger model."""
        return "architecture" if self.kind == "code" and self.complexity == "high" else self.kind


async def classify_task(
    caller: PersonaCaller, personas: PersonaRegistry, instruction: str
) -> TaskClass | None:
    """The classifier's answer, or None when it cannot be had (the route then falls back
    to the persona's kind): classification must never block a turn."""
    if PERSONA not in personas:
        return None
    persona = personas.get(PERSONA)
    messages = [
        ChatMessage(role="system", content=persona.system_prompt()),
        ChatMessage(
            role="user",
            content=f"Labels: {', '.join(TASK_KINDS)}\nInstructions: {KIND_HELP} Also rate "
            f"the task's complexity (low, medium, high).\nText: {instruction[:4000]}",
        ),
    ]
    try:
        async with asyncio.timeout(TIMEOUT_S):
            result = await caller.call(
                persona, messages, task_kind="route", think=False, temperature=0.1,
                json_schema=SCHEMA,
            )
    except (IngleError, TimeoutError):  # a server or JSON failure, a prompt too long
        return None
    answer = result.parsed_json
    return TaskClass(kind=answer["label"], complexity=answer["complexity"],
                     confidence=answer["confidence"], reason=answer.get("reason", ""))
