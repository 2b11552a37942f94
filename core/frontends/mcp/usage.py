"""Adding up what one tool call cost: every model call it made, and its wall time."""

from __future__ import annotations

import time

from ingle.core.backends.types import ChatRequest, Usage
from ingle.core.frontends.mcp.results import ModelCallUsage, ToolUsage


class UsageMeter:
    """Started when a tool call starts; `total()` is its `usage` field."""

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
