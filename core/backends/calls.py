"""Persona calls in one place: the request built from the persona, recorded, metered,
checked against the model's window, and validated against a JSON schema.

Every model call that is not a coding turn's streamed attempt goes through
`PersonaCaller`: `ingle ask`, the MCP tools, the commit-message writer, the task
classifier, the compaction summariser, the persona lab, the evaluator, memories and
expenses. A ChatRequest is built only here (`request_for`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from ingle.core.backends.accounting import estimate_prompt_tokens
from ingle.core.backends.base import collect
from ingle.core.backends.pool import ModelPool
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.types import (
    ChatMessage,
    ChatRequest,
    ChatResult,
    SamplingOptions,
    StreamEvent,
    ThinkSetting,
    Usage,
)
from ingle.core.config.settings import Settings
from ingle.core.errors import IngleError
from ingle.memory.store import Store
from ingle.personas.model import ModelRef
from ingle.personas.prompt import PromptMessage
from ingle.personas.resolved import ResolvedPersona

# Room left in the context window for the reply, at least this many tokens.
MIN_REPLY_TOKENS = 1024

Messages = str | Sequence[PromptMessage | ChatMessage]


class WindowTooSmall(IngleError):
    """The prompt cannot fit the model's fixed context window with room for a reply."""


class UsageSink(Protocol):
    """Something that adds up calls (the MCP tools' meter, an eval sample, a job step)."""

    def add(self, endpoint: str, request: ChatRequest, usage: Usage, duration_s: float) -> None: ...


class PersonaCaller:
    def __init__(self, settings: Settings, pool: ModelPool, store: Store,
                 repo: Path | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self.store = store
        self.repo = repo  # recorded with each call, so `ingle log` can filter by repository

    def request_for(
        self,
        persona: ResolvedPersona,
        messages: Messages,
        *,
        model: ModelRef | str | None = None,
        think: ThinkSetting | None | bool = None,
        temperature: float | None = None,
        json_schema: dict[str, Any] | None = None,
        num_predict: int | None = None,
        seed: int | None = None,
        retry: bool = False,
    ) -> tuple[str, ChatRequest]:
        """(endpoint, request) for one call of `persona`: its model (or `model`), its
        sampling, its think policy (first try, or `retry`), unless the caller overrides.
        A string is the user's text, sent after the persona's system prompt and examples."""
        ref = ModelRef.parse(model) if isinstance(model, str) else (model or persona.model_ref)
        if isinstance(messages, str):
            messages = persona.chat_messages(messages)
        sampling = persona.sampling()
        request = ChatRequest(
            model=ref.model,
            messages=[ChatMessage(role=m.role, content=m.content) for m in messages],
            options=SamplingOptions(
                temperature=sampling.temperature if temperature is None else temperature,
                top_p=sampling.top_p,
                stop=list(sampling.stop),
                num_predict=num_predict,
                seed=seed,
            ),
            think=persona.think(retry=retry) if think is None else think,
            json_schema=json_schema,
        )
        return self.pool.endpoint_of(ref), request

    def check_fits(self, endpoint: str, request: ChatRequest) -> None:
        """Refuse a prompt the model's fixed window would cut (the prompt is fitted to the
        window, never the window to the prompt). Only Ollama has a window we fix."""
        if self.pool.backend(endpoint).kind != "ollama":
            return
        num_ctx = self.settings.num_ctx_for(request.model)
        reply_room = max(MIN_REPLY_TOKENS, num_ctx // 4)
        prompt = estimate_prompt_tokens(request)
        if prompt + reply_room > num_ctx:
            raise WindowTooSmall(
                f"the prompt is about {prompt} tokens, and {request.model} runs with a "
                f"{num_ctx}-token context window ({reply_room} kept for the reply): it would be cut",
                "send less text (split it, or pass only the relevant part), or raise "
                f'models."{request.model}".num_ctx in ~/.config/ingle/config.toml if the GPU has room',
            )

    def stream_request(
        self,
        endpoint: str,
        request: ChatRequest,
        *,
        persona: str | None,
        task_kind: str | None,
        rung: int | None = None,
        on_recorded: Callable[[int], None] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """A prepared request, streamed and recorded in the call log."""
        self.check_fits(endpoint, request)
        return recorded_stream(
            self.pool.backend(endpoint), request, self.store, persona=persona,
            task_kind=task_kind, rung=rung, repo=self.repo, on_recorded=on_recorded,
        )

    def stream(
        self, persona: ResolvedPersona, messages: Messages, *, task_kind: str, **request: Any
    ) -> AsyncIterator[StreamEvent]:
        """The persona's reply as it streams (thinking, text, then one Usage)."""
        endpoint, prepared = self.request_for(persona, messages, **request)
        return self.stream_request(endpoint, prepared, persona=persona.name, task_kind=task_kind)

    async def call(
        self,
        persona: ResolvedPersona,
        messages: Messages,
        *,
        task_kind: str,
        meter: UsageSink | None = None,
        **request: Any,
    ) -> ChatResult:
        """One whole reply. With `json_schema`, `parsed_json` holds the validated value.
        Raises BackendError (server, model, JSON) or WindowTooSmall."""
        endpoint, prepared = self.request_for(persona, messages, **request)
        return await self.call_request(endpoint, prepared, persona=persona.name,
                                       task_kind=task_kind, meter=meter)

    async def call_request(
        self,
        endpoint: str,
        request: ChatRequest,
        *,
        persona: str | None,
        task_kind: str | None,
        meter: UsageSink | None = None,
    ) -> ChatResult:
        started = time.monotonic()
        result = await collect(
            self.stream_request(endpoint, request, persona=persona, task_kind=task_kind), request
        )
        if meter is not None:
            meter.add(endpoint, request, result.usage, time.monotonic() - started)
        return result
