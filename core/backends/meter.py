"""Adding up what one piece of work cost (an MCP tool call, a text-tool request, an eval
sample, a job step): every model call it made, and its wall time. `UsageMeter` is the
persona caller's usage sink."""

from __future__ import annotations

import time

from pydantic import BaseModel, Field

from ingle.core.backends.types import ChatRequest, Usage


class ModelCallUsage(BaseModel):
    """One request to a local model."""

    model: str = Field(description="the model that answered, e.g. qwen3:8b")
    endpoint: str = Field(description="the configured endpoint it ran on")
    think: bool | str = Field(description="the thinking setting sent (false, true or a level)")
    prompt_tokens: int = Field(ge=0, description="tokens the model read")
    output_tokens: int = Field(ge=0, description="tokens it generated, hidden thinking included")
    thinking_tokens: int = Field(ge=0, description="the part of output_tokens that was thinking")
    duration_s: float = Field(ge=0, description="wall time of the call")


class ToolUsage(BaseModel):
    """Totals over every model call one tool call made."""

    persona: str = Field(description="the persona that did the work")
    model: str = Field(description="the model of the last call")
    prompt_tokens: int = Field(0, ge=0)
    output_tokens: int = Field(0, ge=0, description="hidden thinking included")
    thinking_tokens: int = Field(0, ge=0)
    duration_s: float = Field(0.0, ge=0, description="wall time of the whole tool call")
    calls: list[ModelCallUsage] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list, description="e.g. the prompt was cut to fit the context window"
    )


class UsageMeter:
    """Started when the work starts; `total()` is its `usage` field."""

    def __init__(self, persona: str) -> None:
        self.persona = persona
        self._started = time.monotonic()
        self._calls: list[ModelCallUsage] = []
        self._warnings: list[str] = []

    def add(self, endpoint: str, request: ChatRequest, usage: Usage, duration_s: float) -> None:
        think: bool | str = False if request.think is None else request.think
        self._calls.append(
            ModelCallUsage(
                model=usage.model or request.model,
                endpoint=endpoint,
                think=think,
                prompt_tokens=usage.prompt_tokens,
                output_tokens=usage.output_tokens,
                thinking_tokens=usage.thinking_tokens,
                duration_s=round(duration_s, 3),
            )
        )
        self._warnings.extend(w for w in usage.warnings if w not in self._warnings)

    def note(self, warning: str) -> None:
        """Something the caller should know about how the result was reached."""
        self._warnings.append(warning)

    def total(self) -> ToolUsage:
        calls = list(self._calls)
        return ToolUsage(
            persona=self.persona,
            model=calls[-1].model if calls else "",
            prompt_tokens=sum(c.prompt_tokens for c in calls),
            output_tokens=sum(c.output_tokens for c in calls),
            thinking_tokens=sum(c.thinking_tokens for c in calls),
            duration_s=round(time.monotonic() - self._started, 3),
            calls=calls,
            warnings=list(self._warnings),
        )
