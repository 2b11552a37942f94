"""Ollama's native API over httpx: `/api/chat` NDJSON streaming plus the model-management calls.

num_ctx is fixed per model: the configured value (Settings.num_ctx_for) capped at the
model's trained context length from `/api/show`, learned once per model and cached, so
every call to a model sends the same value and Ollama never reloads it for a new size.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from ingle.core.backends.accounting import apportion_thinking, estimate_prompt_tokens, truncation_warning
from ingle.core.backends.errors import IncompleteStream, StreamFailed
from ingle.core.backends.http_errors import ServerLabel, status_error, transport_error
from ingle.core.backends.model_info import ModelInfo, ModelShow, RunningModel
from ingle.core.backends.think_tags import ThinkTagSplitter, as_events, delta_events
from ingle.core.backends.types import (
    ChatMessage,
    ChatRequest,
    ProgressEvent,
    StreamEvent,
    ToolCall,
    Usage,
)

_NS = 1e-9
# Management calls answer quickly; chat and pull may wait minutes for a model to load.
_ADMIN_TIMEOUT_S = 30.0


class OllamaBackend:
    kind = "ollama"

    def __init__(
        self,
        endpoint: str,
        base_url: str,
        *,
        num_ctx_for: Callable[[str], int],
        keep_alive_for: Callable[[str], str] | None = None,
        api_key: str | None = None,
        concurrency: int = 2,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 600.0,
    ) -> None:
        self.endpoint = endpoint
        self.base_url = base_url.rstrip("/")
        self._label = ServerLabel(endpoint, self.kind, self.base_url)
        self._num_ctx_for = num_ctx_for
        self._keep_alive_for = keep_alive_for
        self._api_key = api_key
        # A key is only for proxies in front of Ollama; Ollama itself ignores it.
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
        )
        self._limit = asyncio.Semaphore(concurrency)
        self._trained_ctx: dict[str, int | None] = {}

    # ---- chat -------------------------------------------------------------------------

    async def num_ctx(self, model: str) -> int:
        """The one num_ctx sent for `model`: configured, capped at its trained length."""
        if model not in self._trained_ctx:
            self._trained_ctx[model] = (await self.show(model)).context_length
        return self._capped_num_ctx(model)

    def _capped_num_ctx(self, model: str) -> int:
        wanted = self._num_ctx_for(model)
        trained = self._trained_ctx.get(model)
        return min(wanted, trained) if trained else wanted

    def wire_body(self, request: ChatRequest, num_ctx: int | None = None) -> dict[str, Any]:
        """The exact JSON sent to `/api/chat` for `request` (also what the call log keeps)."""
        options: dict[str, Any] = {
            "num_ctx": num_ctx if num_ctx is not None else self._capped_num_ctx(request.model)
        }
        options.update(request.options.given())
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [_wire_message(m) for m in request.messages],
            "stream": True,
            "options": options,
        }
        if self._keep_alive_for is not None:
            body["keep_alive"] = self._keep_alive_for(request.model)
        if request.think is not None:  # unset: let the server decide
            body["think"] = request.think
        if request.json_schema is not None:
            body["format"] = request.json_schema
        if request.tools:
            body["tools"] = [{"type": "function", "function": t.model_dump()} for t in request.tools]
        return body

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        num_ctx = await self.num_ctx(request.model)
        body = self.wire_body(request, num_ctx)
        text: list[str] = []
        thinking: list[str] = []
        async with self._limit:
            try:
                async with self._client.stream("POST", "/api/chat", json=body) as response:
                    if response.status_code != 200:
                        await response.aread()
                        raise status_error(self._label, response, request.model)
                    # The hot loop: kept flat (no per-chunk helper calls or pydantic parsing
                    # of the chunk) because it runs once per generated token.
                    splitter = ThinkTagSplitter()
                    loads = json.loads
                    async for line in response.aiter_lines():
                        if not line:
                            continue
                        try:
                            chunk = loads(line)
                        except json.JSONDecodeError:
                            raise StreamFailed(
                                f"{self._label.name} sent a line that is not JSON: {line[:200]!r}",
                                "is that URL really an Ollama server? check the endpoint's url",
                                partial_text="".join(text),
                            ) from None
                        message = chunk.get("message")
                        if message:
                            for event in delta_events(splitter, message.get("thinking"),
                                                      message.get("content"), text, thinking):
                                yield event
                            calls = message.get("tool_calls")
                            if calls:
                                for call in calls:
                                    yield _tool_call(call)
                        if chunk.get("done"):
                            for event in as_events(splitter.flush(), text, thinking):
                                yield event
                            yield self._usage(chunk, request, num_ctx, text, thinking)
                            return
                        if "error" in chunk:
                            raise StreamFailed(
                                f"{self._label.name} failed mid-reply: {chunk['error']}",
                                "check the server's log (often out of memory); the partial "
                                "reply is kept",
                                partial_text="".join(text),
                            )
                    raise IncompleteStream(
                        f"{self._label.name} ended the reply without its final record",
                        "the server may have crashed or restarted; the partial reply is kept",
                        partial_text="".join(text),
                    )
            except httpx.HTTPError as exc:
                raise transport_error(self._label, exc, "".join(text)) from exc

    def _usage(
        self,
        chunk: dict[str, Any],
        request: ChatRequest,
        num_ctx: int,
        text: list[str],
        thinking: list[str],
    ) -> Usage:
        # Metrics are omitempty on the wire: a missing field means zero.
        prompt_tokens = int(chunk.get("prompt_eval_count", 0))
        output_tokens = int(chunk.get("eval_count", 0))
        eval_s = chunk.get("eval_duration", 0) * _NS
        thinking_chars = sum(map(len, thinking))
        text_chars = sum(map(len, text))
        warning = truncation_warning(
            estimate_prompt_tokens(request), prompt_tokens, num_ctx, request.model
        )
        return Usage(
            model=chunk.get("model") or request.model,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            thinking_tokens=apportion_thinking(output_tokens, thinking_chars, text_chars),
            total_duration_s=chunk.get("total_duration", 0) * _NS,
            load_duration_s=chunk.get("load_duration", 0) * _NS,
            prompt_duration_s=chunk.get("prompt_eval_duration", 0) * _NS,
            eval_duration_s=eval_s,
            tokens_per_s=output_tokens / eval_s if eval_s > 0 else 0.0,
            done_reason=chunk.get("done_reason", ""),
            truncated=warning is not None,
            warnings=[warning] if warning else [],
        )

    # ---- model management ---------------------------------------------------------------

    async def list_models(self) -> list[ModelInfo]:
        data = await self._call("GET", "/api/tags")
        return [ModelInfo.model_validate(m) for m in (data or {}).get("models") or []]

    async def show(self, model: str) -> ModelShow:
        return ModelShow.model_validate(await self._call("POST", "/api/show", {"model": model}, model))

    async def ps(self) -> list[RunningModel]:
        data = await self._call("GET", "/api/ps")
        return [RunningModel.model_validate(m) for m in (data or {}).get("models") or []]

    async def unload(self, model: str) -> None:
        """Unload `model` now (an empty chat with keep_alive 0, as `ollama stop` does)."""
        await self._call("POST", "/api/chat", {"model": model, "messages": [], "keep_alive": 0},
                         model)

    async def version(self) -> str:
        data = await self._call("GET", "/api/version")
        return str((data or {}).get("version", ""))

    async def delete(self, model: str) -> None:
        await self._call("DELETE", "/api/delete", {"model": model}, model)
        self._trained_ctx.pop(model, None)

    async def embed(self, model: str, inputs: str | list[str]) -> list[list[float]]:
        body: dict[str, Any] = {"model": model, "input": inputs}
        if self._keep_alive_for is not None:
            body["keep_alive"] = self._keep_alive_for(model)
        data = await self._call("POST", "/api/embed", body, model)
        return [list(map(float, row)) for row in (data or {}).get("embeddings") or []]

    def pull(self, model: str) -> AsyncIterator[ProgressEvent]:
        return self._progress("/api/pull", {"model": model, "stream": True}, model)

    def create_model(self, body: dict[str, Any]) -> AsyncIterator[ProgressEvent]:
        """`/api/create` in its JSON form (`from`, `parameters`, `system`, ...; no Modelfile text)."""
        return self._progress("/api/create", {**body, "stream": True}, str(body.get("from", "")))

    async def _progress(
        self, path: str, body: dict[str, Any], model: str
    ) -> AsyncIterator[ProgressEvent]:
        last = ""
        try:
            async with self._client.stream("POST", path, json=body) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise status_error(self._label, response, model)
                async for line in response.aiter_lines():
                    if not line:
                        continue
                    data = json.loads(line)
                    if "error" in data:
                        raise StreamFailed(
                            f"{self._label.name}: {path} failed: {data['error']}",
                            "check the model name and the server's disk space and network",
                        )
                    event = ProgressEvent.model_validate(data)
                    last = event.status
                    yield event
        except httpx.HTTPError as exc:
            raise transport_error(self._label, exc) from exc
        if last != "success":
            raise IncompleteStream(
                f"{self._label.name}: {path} ended before it reported success (last: {last!r})",
                "run it again; Ollama resumes interrupted downloads",
            )

    async def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, model: str = ""
    ) -> Any:
        try:
            response = await self._client.request(method, path, json=body, timeout=_ADMIN_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise transport_error(self._label, exc) from exc
        if response.status_code >= 400:
            raise status_error(self._label, response, model)
        if not response.content:
            return None
        try:
            return response.json()
        except json.JSONDecodeError:
            raise StreamFailed(
                f"{self._label.name} answered {path} with something that is not JSON",
                "is that URL really an Ollama server? check the endpoint's url",
            ) from None

    def secrets(self) -> list[str]:
        """Values the call log must never store."""
        return [self._api_key] if self._api_key else []

    async def aclose(self) -> None:
        await self._client.aclose()


def _wire_message(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.thinking:
        out["thinking"] = message.thinking
    return out


def _tool_call(call: dict[str, Any]) -> ToolCall:
    function = call.get("function") or {}
    arguments = function.get("arguments") or {}
    if isinstance(arguments, str):  # OpenAI-style string arguments from some proxies
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError:
            raise StreamFailed(
                f"the model called tool '{function.get('name', '')}' with arguments that are "
                f"not JSON: {arguments[:200]!r}",
                "retry; a model that often does this may need a tool-calling template",
            ) from None
    return ToolCall(id=call.get("id"), name=function.get("name", ""), arguments=arguments)
