"""How the cascade climbs: ladders per task kind, escalation to Claude, local-only content.

A rung's model is "persona" (the persona's own model), "role:<name>" (the model the
settings assign to a role, e.g. role:architecture), "claude", or a model name such as
"qwen3:14b" (optionally "@endpoint"). A rung's think is "off", "on", a level, or
"persona": left open, so the persona's own policy decides (its first-attempt policy on
the first rung, its retry policy above it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RungThink = Literal["off", "on", "low", "medium", "high", "persona"]
EscalateMode = Literal["never", "auto", "always"]


class RungSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = "persona"
    think: RungThink = "persona"


def _rungs(*pairs: tuple[str, RungThink]) -> list[RungSpec]:
    return [RungSpec(model=m, think=t) for m, t in pairs]


def _default_ladders() -> dict[str, list[RungSpec]]:
    # The plan's measured rules: simple and medium code on 8B think off; retry the same
    # model thinking, then 14B thinking; complex architecture on 14B think off first.
    code = _rungs(("persona", "off"), ("persona", "on"), ("role:architecture", "on"), ("claude", "off"))
    return {
        "code": code,
        "frontend": list(code),
        "architecture": _rungs(("role:architecture", "off"), ("role:architecture", "on"), ("claude", "off")),
        "review": _rungs(("persona", "off"), ("persona", "on"), ("claude", "off")),
        "classification": _rungs(("role:classification", "off"), ("role:code", "off"), ("claude", "off")),
        "translation": _rungs(("persona", "persona"), ("persona", "on"), ("claude", "off")),
        "writing": _rungs(("persona", "persona"), ("persona", "on"), ("claude", "off")),
        "summary": _rungs(("persona", "off"), ("role:code", "off"), ("claude", "off")),
        "chat": _rungs(("persona", "persona"), ("persona", "on"), ("claude", "off")),
    }


class CascadeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ladders: dict[str, list[RungSpec]] = Field(default_factory=_default_ladders)
    escalate: EscalateMode = Field(
        "auto",
        description="never: local only; auto: Claude as the last rung when a key is set and the "
        "daily cap allows; always: straight to Claude",
    )
    local_only: bool = Field(False, description="never send this repository's content to Claude")
    local_only_personas: list[str] = Field(
        default_factory=list, description="personas whose tasks never go to Claude"
    )
    rung_timeout_s: float = Field(300.0, gt=0, description="one model call's time limit")
    confidence_threshold: float = Field(
        0.6, ge=0, le=1, description="a structured answer less sure than this climbs"
    )
    classify_tasks: bool = Field(
        False, description="ask the classifier persona for each task's kind and complexity"
    )
    vram_headroom_mb: int = Field(512, ge=0, description="kept free when deciding what fits")
