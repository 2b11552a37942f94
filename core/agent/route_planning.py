"""The ladder for the next turn: the task's kind (asked of the classifier when configured),
the context size, free VRAM and Claude's access, through core/routing's router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ingle.core.routing.router import Route, RouteRequest, claude_access, route, task_kind
from ingle.core.routing.task_classifier import classify_task

if TYPE_CHECKING:
    from ingle.core.agent.chat_session import ChatSession
    from ingle.core.backends.base import ModelBackend
    from ingle.core.backends.calls import PersonaCaller
    from ingle.core.config.settings import Settings
    from ingle.core.routing.vram_probe import VramCache
    from ingle.personas.registry import PersonaRegistry
    from ingle.personas.resolved import ResolvedPersona


@dataclass
class RouteInputs:
    """What routing a turn reads of the session (explicit, so the router never reaches
    into the engine)."""

    settings: Settings
    persona: ResolvedPersona
    session: ChatSession
    caller: PersonaCaller
    registry: PersonaRegistry
    first_model: str
    backend: ModelBackend  # the first model's, probed for free VRAM when it is Ollama
    vram: VramCache
    claude_spent_today: float


async def plan_route(
    inputs: RouteInputs, prompt_tokens: int = 0, escalate: str | None = None, instruction: str = ""
) -> Route:
    from ingle.core.backends.ollama import OllamaBackend

    settings, persona, session = inputs.settings, inputs.persona, inputs.session
    kind = task_kind(persona, session.kind)
    classified = None
    if settings.cascade.classify_tasks and session.kind is None and instruction:
        classified = await classify_task(inputs.caller, inputs.registry, instruction)
        if classified is not None:
            kind = classified.ladder_kind()
    vram = None
    if isinstance(inputs.backend, OllamaBackend):
        vram = await inputs.vram.get(inputs.backend, settings.cascade.vram_headroom_mb)
    request = RouteRequest(
        kind=kind,
        persona=persona,
        model_override=session.model,
        think_override=session.think,
        prompt_tokens=prompt_tokens,
        escalate=escalate or settings.cascade.escalate,  # type: ignore[arg-type]
        claude=claude_access(settings, persona, inputs.claude_spent_today),
        vram=vram,
    )
    planned = route(settings, request)
    if classified is not None:
        planned.notes.insert(
            0, f"classified as {classified.kind} ({classified.complexity} complexity, "
            f"confidence {classified.confidence:.2f}): the {kind} ladder",
        )
        unsure = classified.confidence < settings.cascade.confidence_threshold
        if unsure and len(planned.rungs) > 1 and session.model is None:
            skipped = planned.rungs.pop(0)
            planned.notes.insert(
                1, f"the classifier is unsure: skipping the first rung ({skipped.model}, "
                f"think {skipped.think_label()})",
            )
    return planned
