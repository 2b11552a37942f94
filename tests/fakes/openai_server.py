"""A fake OpenAI-compatible server (llama.cpp server, LM Studio, vLLM): `/v1/chat/completions` SSE.

Streams exactly what Ollama's `/v1` and llama.cpp send (wire-protocols.md section 2.1):
the role in the first chunk, reasoning in `reasoning_content` (or `reasoning`, set
`reasoning_field`), content deltas, tool calls in fragments, a finish chunk with an
empty delta, a usage chunk with `choices: []` when asked for, then `data: [DONE]`.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.script import MidStreamError, Reply, estimate_tokens
from tests.fakes.server import Exchange, FakeServer

SSE = "text/event-stream"
CREATED = 1760961600


def _data(payload: Any) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def _error_body(message: str, type_: str, status: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": status}}


class FakeOpenAI(FakeServer):
    def __init__(self, models: list[str] | None = None, api_key: str | None = None,
                 reasoning_field: str = "reasoning_content", *, usage_in_stream: bool = True,
                 tokenize_route: str | None = None, json_schema_form: bool = True) -> None:
        super().__init__()
        self.models = list(models if models is not None else ["qwen3-8b"])
        self.api_key = api_key
        self.reasoning_field = reasoning_field
        # llama-cpp-python's server: no usage chunk even when asked, a tokenizer at
        # /extras/tokenize ({"input"}) and only `json_object` (+ schema) as response_format;
        # llama.cpp's llama-server has /tokenize ({"content"}).
        self.usage_in_stream = usage_in_stream
        self.tokenize_route = tokenize_route
        self.json_schema_form = json_schema_form

    def route(self, ex: Exchange) -> None:
        if self.api_key and ex.request.header("authorization") != f"Bearer {self.api_key}":
            ex.send_json(401, _error_body("Invalid API Key", "authentication_error", 401))
            return
        if (ex.request.method, ex.request.path) == ("GET", "/v1/models"):
            ex.send_json(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": CREATED, "owned_by": "fake"}
                for m in self.models
            ]})
        elif (ex.request.method, ex.request.path) == ("POST", "/v1/chat/completions"):
            self._chat(ex)
        elif self.tokenize_route and (ex.request.method, ex.request.path) == (
                "POST", self.tokenize_route):
            field = "input" if self.tokenize_route == "/extras/tokenize" else "content"
            text = str((ex.request.json or {}).get(field, ""))
            ex.send_json(200, {"tokens": list(range(len(text.split())))})  # one per word
        else:
            ex.send_json(404, _error_body("File Not Found", "not_found_error", 404))

    def _chat(self, ex: Exchange) -> None:
        body = ex.request.json or {}
        model = body.get("model", "")
        if self.models and model not in self.models:
            ex.send_json(404, _error_body(f"model '{model}' not found", "not_found_error", 404))
            return
        form = (body.get("response_format") or {}).get("type")
        if form == "json_schema" and not self.json_schema_form:
            # What llama-cpp-python 0.3 answers: its pydantic validation error, as HTTP 500.
            ex.send_json(500, _error_body(
                "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
                "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
                "'input': 'json_schema'}\n\n  File \"app.py\", line 376, in "
                "create_chat_completion", "internal_server_error", 500))
            return
        reply = self.next_reply(ex.request)
        if reply is None:
            self.no_reply(ex)
            return
        if reply.error_before is not None:
            err = reply.error_before
            headers = {"Retry-After": str(err.retry_after)} if err.retry_after is not None else None
            ex.send_json(err.status, _error_body(err.message, err.type or "api_error", err.status),
                         headers)
            return
        frames, tail = self._frames(model, reply, body)
        self.play(ex, reply, SSE, [], frames, tail, _error_frame)

    def _chunk(self, model: str, choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": CREATED,
                "model": model, "system_fingerprint": "fp_fake", "choices": choices, **extra}

    def _frames(self, model: str, reply: Reply, body: dict[str, Any]) -> tuple[list[bytes], list[bytes]]:
        frames: list[bytes] = []
        for n, (kind, piece) in enumerate(reply.pieces()):
            delta: dict[str, Any] = {"role": "assistant"} if n == 0 else {}
            if kind == "thinking":
                delta[self.reasoning_field] = piece
                delta.setdefault("content", "")
            else:
                delta["content"] = piece
            frames.append(_data(self._chunk(model, [{"index": 0, "delta": delta,
                                                     "finish_reason": None}])))
        for i, call in enumerate(reply.tool_calls):
            arguments = json.dumps(call.arguments)
            half = len(arguments) // 2
            first = {"index": i, "id": call.id or f"call_{i}", "type": "function",
                     "function": {"name": call.name, "arguments": arguments[:half]}}
            rest = {"index": i, "function": {"arguments": arguments[half:]}}
            for fragment in (first, rest):
                frames.append(_data(self._chunk(model, [{"index": 0, "delta": {
                    "tool_calls": [fragment]}, "finish_reason": None}])))
        finish = "tool_calls" if reply.tool_calls else reply.done_reason
        tail = [_data(self._chunk(model, [{"index": 0, "delta": {}, "finish_reason": finish}]))]
        if self.usage_in_stream and (body.get("stream_options") or {}).get("include_usage"):
            prompt = reply.prompt_tokens if reply.prompt_tokens is not None else estimate_tokens(body)
            completion = reply.output_tokens if reply.output_tokens is not None else len(frames)
            tail.append(_data(self._chunk(model, [], usage={
                "prompt_tokens": prompt, "completion_tokens": completion,
                "total_tokens": prompt + completion})))
        tail.append(_data("[DONE]"))
        return frames, tail


def _error_frame(mid: MidStreamError) -> bytes:
    # llama.cpp and vLLM: an error object as a data event, then the stream closes without [DONE].
    return _data({"error": {"message": mid.message, "type": mid.type, "code": 500}})
