"""OpenAI-compatible servers (llama.cpp server, LM Studio, vLLM, Ollama's /v1): chat over SSE.

Reasoning arrives as `reasoning_content` (llama.cpp, LM Studio, older vLLM) or
`reasoning` (Ollama /v1, newer vLLM); servers without a reasoning parser leave
`<think>` tags in the content, which are split out here.

A JSON schema goes out as `{"type": "json_schema", ...}` (llama-server, vLLM, LM Studio);
a server that refuses that form (llama-cpp-python's takes `{"type": "json_object",
"schema": ...}`) gets the other one, and the client keeps using it. The reply is validated
against the schema either way (core/backends/base.py). A stream without a usage record
(llama-cpp-python's, even with `stream_options.include_usage`) is counted with the
server's tokenizer, or from characters, and the Usage says so (`token_source`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx

from ingle.core.backends.accounting import (
    CHARS_PER_TOKEN,
    apportion_thinking,
    estimate_prompt_tokens,
    framing_tokens,
    prompt_text,
    truncation_warning,
)
from ingle.core.backends.errors import IncompleteStream, StreamFailed
from ingle.core.backends.http_errors import ServerLabel, error_text, status_error, transport_error
from ingle.core.backends.model_info import ModelInfo
from ingle.core.backends.server_tokenizer import ServerTokenizer
from ingle.core.backends.think_tags import ThinkTagSplitter, as_events, delta_events
from ingle.core.backends.types import (
    ChatRequest,
    StreamEvent,
    TokenSource,
    ToolCall,
    Usage,
)

_ADMIN_TIMEOUT_S = 30.0
SchemaForm = Literal["json_schema", "json_object"]


class _SchemaFormRefused(Exception):
    """The server refused `response_format.type = json_schema` before streaming anything."""


class OpenAICompatBackend:
    kind = "openai"

    def __init__(
        self,
        endpoint: str,
        base_url: str,
        *,
        api_key: str | None = None,
        concurrency: int = 2,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 600.0,
    ) -> None:
        root = base_url.rstrip("/")
        # Accept both "http://host:8080" and "http://host:8080/v1" in the config.
        self.base_url = root.removesuffix("/v1")
        self.endpoint = endpoint
        self._label = ServerLabel(endpoint, self.kind, self.base_url)
        self._api_key = api_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        self._client = httpx.AsyncClient(
            base_url=f"{self.base_url}/v1",
            headers=headers,
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
        )
        self._limit = asyncio.Semaphore(concurrency)
        self._tokenizer = ServerTokenizer(self._client, self.base_url)
        # The JSON-schema form this server takes: learned from its first refusal.
        self.schema_form: SchemaForm = "json_schema"

    def wire_body(self, request: ChatRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        given = request.options.given()
        if "num_predict" in given:  # the OpenAI name for the same limit
            given["max_tokens"] = given.pop("num_predict")
        body.update(given)
        if request.think is not None:
            # llama.cpp and vLLM switch Qwen3 thinking through the chat template; a level
            # also goes out as reasoning_effort (Ollama /v1, vLLM). Not sent unless asked.
            body["chat_template_kwargs"] = {"enable_thinking": bool(request.think)}
            if isinstance(request.think, str):
                body["reasoning_effort"] = "high" if request.think == "max" else request.think
        if request.json_schema is not None and self.schema_form == "json_object":
            body["response_format"] = {"type": "json_object", "schema": request.json_schema}
        elif request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": request.json_schema, "strict": True},
            }
        if request.tools:
            body["tools"] = [{"type": "function", "function": t.model_dump()} for t in request.tools]
        return body

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        try:
            async for event in self._stream_once(request):
                yield event
        except _SchemaFormRefused:  # nothing was streamed yet: ask again in the other form
            self.schema_form = "json_object"
            async for event in self._stream_once(request):
                yield event

    async def _stream_once(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        body = self.wire_body(request)
        text: list[str] = []
        thinking: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage: dict[str, Any] = {}
        timings: dict[str, Any] = {}
        finish = ""
        async with self._limit:
            started = time.monotonic()
            first_token_at: float | None = None
            try:
                async with self._client.stream("POST", "/chat/completions", json=body) as response:
                    if response.status_code != 200:
                        await response.aread()
                        if self._refuses_schema_form(request, response):
                            raise _SchemaFormRefused
                        raise status_error(self._label, response, request.model)
                    splitter = ThinkTagSplitter()
                    done = False
                    async for line in response.aiter_lines():
                        if not line.startswith("data:"):
                            continue  # blank separators, ": keep-alive" comments, event:/id:
                        data = line[5:].strip()
                        if data == "[DONE]":
                            done = True
                            break
                        chunk = _parse_chunk(data, self._label, text)
                        if "error" in chunk:
                            raise StreamFailed(
                                f"{self._label.name} failed mid-reply: {_message_of(chunk['error'])}",
                                "check the server's log; the partial reply is kept",
                                partial_text="".join(text),
                            )
                        usage = chunk.get("usage") or usage
                        timings = chunk.get("timings") or timings  # llama.cpp's own metrics
                        for choice in chunk.get("choices") or ():
                            delta = choice.get("delta") or {}
                            piece = delta.get("reasoning_content") or delta.get("reasoning")
                            if first_token_at is None and (piece or delta.get("content")):
                                first_token_at = time.monotonic()
                            for event in delta_events(splitter, piece, delta.get("content"),
                                                      text, thinking):
                                yield event
                            for fragment in delta.get("tool_calls") or ():
                                _merge_tool_fragment(calls, fragment)
                            finish = choice.get("finish_reason") or finish
                    if not done:
                        raise IncompleteStream(
                            f"{self._label.name} ended the reply without [DONE]",
                            "the server may have crashed or hit an error; the partial reply "
                            "is kept",
                            partial_text="".join(text),
                        )
                    for event in as_events(splitter.flush(), text, thinking):
                        yield event
            except httpx.HTTPError as exc:
                raise transport_error(self._label, exc, "".join(text)) from exc
        for index in sorted(calls):
            yield _tool_call(calls[index], self._label, text)
        ended = time.monotonic()
        counted = await self._count(request, usage, timings, text, thinking)
        yield self._usage(request, usage, timings, finish, text, thinking,
                          ended - started, ended - (first_token_at or ended), counted)

    def _refuses_schema_form(self, request: ChatRequest, response: httpx.Response) -> bool:
        if request.json_schema is None or self.schema_form != "json_schema":
            return False
        said = error_text(response.content)
        return response.status_code in (400, 422, 500) and "response_format" in said \
            and "json_schema" in said

    async def _count(
        self,
        request: ChatRequest,
        usage: dict[str, Any],
        timings: dict[str, Any],
        text: list[str],
        thinking: list[str],
    ) -> tuple[int, int, TokenSource] | None:
        """(prompt, output, source) when the server reported no counts of its own."""
        if usage or "predicted_n" in timings:
            return None
        reply = "".join(thinking) + "".join(text)
        prompt = await self._tokenizer.count(prompt_text(request))
        output = await self._tokenizer.count(reply) if prompt is not None else None
        framing = framing_tokens(len(request.messages))
        if prompt is not None and output is not None:
            return prompt + framing, output, "tokenizer"
        # No tokenizer: characters per token (the call log refines this with the
        # model's calibration when it has one).
        return (estimate_prompt_tokens(request) + framing,
                -(-len(reply) // CHARS_PER_TOKEN), "estimate")

    def _usage(
        self,
        request: ChatRequest,
        usage: dict[str, Any],
        timings: dict[str, Any],
        finish: str,
        text: list[str],
        thinking: list[str],
        total_s: float,
        eval_s: float,
        counted: tuple[int, int, TokenSource] | None = None,
    ) -> Usage:
        prompt_tokens = int(usage.get("prompt_tokens") or
                            (timings.get("prompt_n", 0) + timings.get("cache_n", 0)))
        output_tokens = int(usage.get("completion_tokens") or timings.get("predicted_n", 0))
        source: TokenSource = "server"
        if counted is not None:
            prompt_tokens, output_tokens, source = counted
        details = usage.get("completion_tokens_details") or {}
        thinking_tokens = details.get("reasoning_tokens")
        if thinking_tokens is None:
            thinking_tokens = apportion_thinking(
                output_tokens, sum(map(len, thinking)), sum(map(len, text))
            )
        rate = timings.get("predicted_per_second") or (output_tokens / eval_s if eval_s > 0 else 0.0)
        warning = None if source != "server" else truncation_warning(
            estimate_prompt_tokens(request), prompt_tokens, None, request.model)
        return Usage(
            model=request.model,
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            thinking_tokens=int(thinking_tokens),
            total_duration_s=total_s,
            eval_duration_s=eval_s,
            tokens_per_s=float(rate),
            done_reason=finish,
            truncated=warning is not None,
            warnings=[warning] if warning else [],
            token_source=source,
        )

    async def list_models(self) -> list[ModelInfo]:
        try:
            response = await self._client.get("/models", timeout=_ADMIN_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise transport_error(self._label, exc) from exc
        if response.status_code >= 400:
            raise status_error(self._label, response, "")
        try:
            data = response.json()
        except json.JSONDecodeError:
            raise StreamFailed(
                f"{self._label.name} answered /v1/models with something that is not JSON",
                "is that URL really an OpenAI-compatible server? check the endpoint's url",
            ) from None
        return [ModelInfo(name=str(m.get("id", ""))) for m in data.get("data") or []]

    def secrets(self) -> list[str]:
        return [self._api_key] if self._api_key else []

    async def aclose(self) -> None:
        await self._client.aclose()


def _parse_chunk(data: str, label: ServerLabel, text: list[str]) -> dict[str, Any]:
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError:
        raise StreamFailed(
            f"{label.name} sent an event that is not JSON: {data[:200]!r}",
            "is that URL really an OpenAI-compatible server? check the endpoint's url",
            partial_text="".join(text),
        ) from None
    return chunk if isinstance(chunk, dict) else {}


def _message_of(error: Any) -> str:
    return str(error.get("message") or error) if isinstance(error, dict) else str(error)


def _merge_tool_fragment(calls: dict[int, dict[str, str]], fragment: dict[str, Any]) -> None:
    """Tool calls stream in pieces keyed by index: id and name first, then argument text."""
    entry = calls.setdefault(int(fragment.get("index", 0)), {"id": "", "name": "", "arguments": ""})
    entry["id"] = fragment.get("id") or entry["id"]
    function = fragment.get("function") or {}
    entry["name"] = function.get("name") or entry["name"]
    arguments = function.get("arguments")
    if isinstance(arguments, dict):  # Ollama /v1 sends the whole object at once
        entry["arguments"] = json.dumps(arguments)
    elif arguments:
        entry["arguments"] += arguments


def _tool_call(entry: dict[str, str], label: ServerLabel, text: list[str]) -> ToolCall:
    try:
        arguments = json.loads(entry["arguments"] or "{}")
    except json.JSONDecodeError:
        raise StreamFailed(
            f"the model called tool '{entry['name']}' with arguments that are not JSON: "
            f"{entry['arguments'][:200]!r}",
            "retry; a model that often does this may need a tool-calling template",
            partial_text="".join(text),
        ) from None
    return ToolCall(id=entry["id"] or None, name=entry["name"], arguments=arguments)
