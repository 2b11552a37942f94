"""What the tools share: settings, the ledger, the personas, and one backend per endpoint.

`PersonaRunner.chat` is the one way a tool calls a model: it builds the request from
the persona, refuses a prompt that cannot fit the model's fixed context window (the
prompt is fitted to the window, never the other way round), streams the call through
`recorded_stream` so it lands in the ledger, and adds its usage to the tool's meter.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ingle.core.backends.accounting import estimate_prompt_tokens
from ingle.core.backends.base import ModelBackend, collect
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.registry import default_endpoint, open_backend
from ingle.core.backends.types import ChatMessage, ChatRequest, ChatResult, SamplingOptions, ThinkSetting
from ingle.core.config.loader import LoadedConfig
from ingle.core.config.settings import Settings
from ingle.core.frontends.mcp.usage import UsageMeter
from ingle.memory.store import Store
from ingle.personas.model import ModelRef
from ingle.personas.prompt import PromptMessage
from ingle.personas.registry import PersonaRegistry, UnknownPersona
from ingle.personas.resolved import ResolvedPersona

# Room left in the context window for the reply, at least this many tokens.
MIN_REPLY_TOKENS = 1024


class DelegationRefused(Exception):
    """The tool cannot do this call as asked; `hint` says what to change."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  -> {self.hint}" if self.hint else self.message


class PersonaRunner:
    def __init__(
        self,
        loaded: LoadedConfig,
        store: Store,
        registry: PersonaRegistry,
        workspace: Path | None,
    ) -> None:
        self.loaded = loaded
        self.store = store
        self.registry = registry
        # The repository whose files generate_code may read; None outside a repository
        # (Claude Desktop starts servers in /, which must not expose the whole disk).
        self.workspace = workspace
        self._backends: dict[str, ModelBackend] = {}

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    def persona(self, name: str) -> ResolvedPersona:
        try:
            return self.registry.get(name)
        except UnknownPersona as exc:
            raise DelegationRefused(str(exc), "call list_personas to see the names") from exc

    def backend(self, endpoint: str) -> ModelBackend:
        if endpoint not in self._backends:
            self._backends[endpoint] = open_backend(self.settings, endpoint)
        return self._backends[endpoint]

    async def chat(
        self,
        persona: ResolvedPersona,
        messages: Sequence[PromptMessage | ChatMessage],
        meter: UsageMeter,
        *,
        task_kind: str,
        think: ThinkSetting,
        temperature: float | None = None,
        json_schema: dict[str, Any] | None = None,
        model: str | None = None,
    ) -> ChatResult:
        """One recorded call of the persona's model (or `model`, a climb to a fallback).
        Raises BackendError or DelegationRefused."""
        ref = ModelRef.parse(model) if model else persona.model_ref
        endpoint = ref.endpoint or default_endpoint(self.settings)
        sampling = persona.sampling()
        request = ChatRequest(
            model=ref.model,
            messages=[ChatMessage(role=m.role, content=m.content) for m in messages],
            options=SamplingOptions(
                temperature=sampling.temperature if temperature is None else temperature,
                top_p=sampling.top_p,
                stop=list(sampling.stop),
            ),
            think=think,
            json_schema=json_schema,
        )
        backend = self.backend(endpoint)
        if backend.kind == "ollama":
            self._check_fits(request)
        started = time.monotonic()
        result = await collect(
            recorded_stream(
                backend,
                request,
                self.store,
                persona=persona.name,
                task_kind=task_kind,
                repo=self.loaded.repo,
            ),
            request,
        )
        meter.add(endpoint, request, result.usage, time.monotonic() - started)
        return result

    def _check_fits(self, request: ChatRequest) -> None:
        num_ctx = self.settings.num_ctx_for(request.model)
        reply_room = max(MIN_REPLY_TOKENS, num_ctx // 4)
        prompt = estimate_prompt_tokens(request)
        if prompt + reply_room > num_ctx:
            raise DelegationRefused(
                f"the prompt is about {prompt} tokens, and {request.model} runs with a "
                f"{num_ctx}-token context window ({reply_room} kept for the reply): it would be cut",
                "send less text (split it, or pass only the relevant part), or raise "
                f'models."{request.model}".num_ctx in ~/.config/ingle/config.toml if the GPU has room',
            )

    async def aclose(self) -> None:
        backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            await backend.aclose()
