"""A fake Anthropic Messages API: `POST /v1/messages` as server-sent events.

Event sequence as wire-protocols.md section 3.3: `message_start` (input tokens),
per block `content_block_start` / `content_block_delta` (thinking_delta, signature_delta,
text_delta, input_json_delta) / `content_block_stop`, `message_delta` (stop reason,
cumulative output tokens), `message_stop`. Errors: HTTP 401/429/529 with the API's
error body and `retry-after`, or an in-band `event: error` mid-stream.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.script import MidStreamError, Reply, estimate_tokens
from tests.fakes.server import Exchange, FakeServer

SSE = "text/event-stream"
_DEFAULT_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def _event(name: str, payload: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _error_body(type_: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": type_, "message": message},
            "request_id": "req_fake"}


class FakeAnthropic(FakeServer):
    def __init__(self, api_key: str | None = "sk-ant-test-key") -> None:
        super().__init__()
        self.api_key = api_key

    def route(self, ex: Exchange) -> None:
        if (ex.request.method, ex.request.path) != ("POST", "/v1/messages"):
            ex.send_json(404, _error_body("not_found_error", f"no route {ex.request.path}"))
            return
        given = ex.request.header("x-api-key") or (ex.request.header("authorization") or "")
        if self.api_key and given.removeprefix("Bearer ") != self.api_key:
            ex.send_json(401, _error_body("authentication_error", "invalid x-api-key"),
                         {"request-id": "req_fake"})
            return
        reply = self.next_reply(ex.request)
        if reply is None:
            ex.send_json(500, _error_body("api_error", "fake server: no scripted reply left"))
            return
        if reply.error_before is not None:
            err = reply.error_before
            headers = {"request-id": "req_fake", "x-should-retry": "false"}
            if err.retry_after is not None:
                headers["retry-after"] = str(err.retry_after)
            type_ = err.type or _DEFAULT_TYPES.get(err.status, "api_error")
            ex.send_json(err.status, _error_body(type_, err.message), headers)
            return
        head, frames, tail = self._events(reply, ex.request.json or {})
        self.play(ex, reply, SSE, head, frames, tail, _error_event)

    def _events(self, reply: Reply, body: dict[str, Any]) -> tuple[list[bytes], list[bytes], list[bytes]]:
        model = body.get("model", "claude-sonnet-4-6")
        input_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else estimate_tokens(body)
        head = [_event("message_start", {"type": "message_start", "message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1}}}),
            _event("ping", {"type": "ping"})]
        pieces = reply.pieces()
        frames: list[bytes] = []
        index = -1
        for n, (kind, piece) in enumerate(pieces):
            data = b""
            if n == 0 or pieces[n - 1][0] != kind:
                index += 1
                block = {"type": "thinking", "thinking": "", "signature": ""} if kind == "thinking" \
                    else {"type": "text", "text": ""}
                data += _event("content_block_start", {"type": "content_block_start",
                                                       "index": index, "content_block": block})
            delta = {"type": "thinking_delta", "thinking": piece} if kind == "thinking" \
                else {"type": "text_delta", "text": piece}
            data += _event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                   "delta": delta})
            if n == len(pieces) - 1 or pieces[n + 1][0] != kind:
                if kind == "thinking":
                    data += _event("content_block_delta", {"type": "content_block_delta",
                                   "index": index, "delta": {"type": "signature_delta",
                                                             "signature": "c2lnbmF0dXJl"}})
                data += _event("content_block_stop", {"type": "content_block_stop", "index": index})
            frames.append(data)
        tail: list[bytes] = []
        for i, call in enumerate(reply.tool_calls):
            index += 1
            tail.append(_event("content_block_start", {"type": "content_block_start", "index": index,
                               "content_block": {"type": "tool_use", "id": call.id or f"toolu_{i}",
                                                 "name": call.name, "input": {}}}))
            tail.append(_event("content_block_delta", {"type": "content_block_delta", "index": index,
                               "delta": {"type": "input_json_delta",
                                         "partial_json": json.dumps(call.arguments)}}))
            tail.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        output_tokens = reply.output_tokens if reply.output_tokens is not None else len(frames) + 1
        stop_reason = "tool_use" if reply.tool_calls else (
            "end_turn" if reply.done_reason == "stop" else reply.done_reason)
        tail.append(_event("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                           "usage": {"output_tokens": output_tokens}}))
        tail.append(_event("message_stop", {"type": "message_stop"}))
        return head, frames, tail


def _error_event(mid: MidStreamError) -> bytes:
    return _event("error", _error_body(mid.type, mid.message))
