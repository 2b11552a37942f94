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

from ingle.core.activity import Activity
from ingle.core.backends.accounting import estimate_prompt_tokens
from ingle.core.backends.base import collect
from ingle.core.backends.pool import ModelPool
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.registry import split_model_ref
from ingle.core.backends.retry import RetryNotice
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


def model_ref_of(persona: ResolvedPersona | None, model: ModelRef | str | None) -> ModelRef:
    """`model` ("qwen3:8b" or "qwen3:8b@gpu"), else the persona's model."""
    if isinstance(model, str):
        name, endpoint = split_model_ref(model)
        return ModelRef(model=name, endpoint=endpoint)
    if model is not None:
        return model
    if persona is None:
        raise ValueError("a call without a persona needs a model")
    return persona.model_ref


def chat_request(
    persona: ResolvedPersona | None,
    messages: Messages,
    *,
    model: ModelRef | str | None = None,
    think: ThinkSetting | None = None,
    temperature: float | None = None,
    json_schema: dict[str, Any] | None = None,
    num_predict: int | None = None,
    seed: int | None = None,
    retry: bool = False,
) -> ChatRequest:
    """The one place a ChatRequest is built: `persona`'s model (or `model`), its sampling,
    its think policy (first try, or `retry`), unless the caller overrides. A string is the
    user's text, sent after the persona's system prompt and examples. Without a persona
    (`ingle ask` with no --persona) `model` is required, the server's sampling applies and
    thinking is off unless asked (Qwen3 otherwise spends most of its tokens thinking)."""
    ref = model_ref_of(persona, model)
    if isinstance(messages, str):
        messages = (persona.chat_messages(messages) if persona is not None
                    else [ChatMessage(role="user", content=messages)])
    if persona is not None:
        sampling = persona.sampling()
        options = SamplingOptions(
            temperature=sampling.temperature if temperature is None else temperature,
            top_p=sampling.top_p, stop=list(sampling.stop), num_predict=num_predict, seed=seed,
        )
        think_setting = persona.think(retry=retry) if think is None else think
    else:
        options = SamplingOptions(temperature=temperature, num_predict=num_predict, seed=seed)
        think_setting = bool(think)
    return ChatRequest(
        model=ref.model,
        messages=[m if isinstance(m, ChatMessage) else ChatMessage(role=m.role, content=m.content)
                  for m in messages],
        options=options,
        think=think_setting,
        json_schema=json_schema,
    )


class WindowTooSmall(IngleError):
    """The prompt cannot fit the model's fixed context window with room for a reply."""


class UsageSink(Protocol):
    """Something that adds up calls (the MCP tools' meter, an eval sample, a job step)."""

    def add(self, endpoint: str, request: ChatRequest, usage: Usage, duration_s: float) -> None: ...


class PersonaCaller:
    def __init__(self, settings: Settings, pool: ModelPool, store: Store,
                 repo: Path | None = None, activity: Activity | None = None) -> None:
        self.settings = settings
        self.pool = pool
        self.store = store
        self.repo = repo  # recorded with each call, so `ingle log` can filter by repository
        # Each call counts as an interactive request while it runs (the job runner's idle
        # gate waits for quiet), unless made inside `activity.background()`.
        self.activity = activity

    def request_for(
        self,
        persona: ResolvedPersona | None,
        messages: Messages,
        *,
        model: ModelRef | str | None = None,
        endpoint: str | None = None,
        **request: Any,
    ) -> tuple[str, ChatRequest]:
        """(endpoint, request) for one call of `persona` (see `chat_request`); `model` may
        name its endpoint as "name@endpoint", and `endpoint` wins over both."""
        ref = model_ref_of(persona, model)
        return endpoint or self.pool.endpoint_of(ref), chat_request(persona, messages, model=ref,
                                                                    **request)

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
        on_retry: RetryNotice | None = None,
        check_window: bool = True,
        persona_version: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """A prepared request, streamed and recorded in the call log. `check_window=False`
        is for a caller that has fitted the prompt to the window itself (the compaction
        summariser, with the session's calibrated estimator)."""
        if check_window:
            self.check_fits(endpoint, request)
        stream = recorded_stream(
            self.pool.backend(endpoint), request, self.store, persona=persona,
            persona_version=persona_version, task_kind=task_kind, rung=rung, repo=self.repo,
            on_recorded=on_recorded, on_retry=on_retry,
        )
        return stream if self.activity is None else self.activity.tracked(stream)

    def stream(
        self, persona: ResolvedPersona, messages: Messages, *, task_kind: str,
        check_window: bool = True, **request: Any,
    ) -> AsyncIterator[StreamEvent]:
        """The persona's reply as it streams (thinking, text, then one Usage)."""
        endpoint, prepared = self.request_for(persona, messages, **request)
        return self.stream_request(endpoint, prepared, persona=persona.name, task_kind=task_kind,
                                   check_window=check_window,
                                   persona_version=_version_label(persona))

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
                                       task_kind=task_kind, meter=meter,
                                       persona_version=_version_label(persona))

    async def call_request(
        self,
        endpoint: str,
        request: ChatRequest,
        *,
        persona: str | None,
        task_kind: str | None,
        meter: UsageSink | None = None,
        persona_version: str | None = None,
    ) -> ChatResult:
        started = time.monotonic()
        result = await collect(
            self.stream_request(endpoint, request, persona=persona, task_kind=task_kind,
                                persona_version=persona_version),
            request,
        )
        if meter is not None:
            meter.add(endpoint, request, result.usage, time.monotonic() - started)
        return result


def _version_label(persona: ResolvedPersona) -> str | None:
    return persona.label if persona.version_number else None
