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

from ingle.core.config.ladder import Rung
from ingle.core.backends.base import collect
from ingle.core.backends.errors import BackendError
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.types import ChatMessage, ChatRequest, SamplingOptions
from ingle.core.routing.router import TASK_KINDS

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine

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


async def classify_task(engine: Engine, instruction: str) -> TaskClass | None:
    """The classifier's answer, or None when it cannot be had (the route then falls back
    to the persona's kind): classification must never block a turn."""
    if PERSONA not in engine.registry:
        return None
    persona = engine.registry.get(PERSONA)
    request = ChatRequest(
        model=persona.model_ref.model,
        messages=[
            ChatMessage(role="system", content=persona.system_prompt()),
            ChatMessage(
                role="user",
                content=f"Labels: {', '.join(TASK_KINDS)}\nInstructions: {KIND_HELP} Also rate "
                f"the task's complexity (low, medium, high).\nText: {instruction[:4000]}",
            ),
        ],
        options=SamplingOptions(temperature=0.1, top_p=persona.sampling().top_p),
        think=False,
        json_schema=SCHEMA,
    )
    backend = engine.backend_for(Rung(model=request.model, endpoint=persona.model_ref.endpoint))
    try:
        async with asyncio.timeout(TIMEOUT_S):
            result = await collect(
                recorded_stream(backend, request, engine.store, persona=PERSONA,
                                task_kind="route", repo=str(engine.root)),
                request,
            )
    except (BackendError, TimeoutError):
        return None
    answer = result.parsed_json
    return TaskClass(kind=answer["label"], complexity=answer["complexity"],
                     confidence=answer["confidence"], reason=answer.get("reason", ""))
