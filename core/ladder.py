"""The default ladder of rungs for a turn, from the persona and the session's choices.

The plan's measured rule: try the persona's model with thinking off first, retry the
same model with thinking on, then a larger local model with thinking on.
"""

from __future__ import annotations

from core.attempts import Rung
from core.backends.types import ThinkSetting
from core.config.settings import Settings
from personas.model import ModelRef
from personas.resolved import ResolvedPersona


def default_ladder(
    settings: Settings,
    persona: ResolvedPersona,
    model: str | None = None,
    think: ThinkSetting | None = None,
) -> list[Rung]:
    ref = persona.model_ref
    if model:
        ref = ModelRef.parse(model)
    first_model, endpoint = ref.model, ref.endpoint
    first_think = think if think is not None else persona.think()
    rungs = [Rung(model=first_model, endpoint=endpoint, think=first_think, label="first")]
    retry_think = persona.think(retry=True)
    if retry_think != first_think:
        rungs.append(Rung(model=first_model, endpoint=endpoint, think=retry_think, label="retry thinking"))
    larger = settings.roles.get("architecture")
    if larger and larger != first_model:
        rungs.append(Rung(model=larger, endpoint=None, think=True, label="larger model"))
    return rungs
