"""The backend protocol and helpers shared by every implementation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Protocol

from ingle.core.backends.errors import IncompleteStream, InvalidJsonReply
from ingle.core.backends.types import (
    ChatRequest,
    ChatResult,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ToolCall,
    Usage,
)


class ModelBackend(Protocol):
    """A model server. `stream_chat` yields deltas, then exactly one `Usage`, last."""

    endpoint: str  # the configured endpoint name ("local", "claude", ...)
    kind: str  # "ollama" | "openai" | "anthropic"

    def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def aclose(self) -> None: ...


class StreamTally:
    """What a stream has said so far: text, thinking, tool calls, and its final usage.
    `collect` and the call log (`recorded_stream`) both add up a stream with this."""

    __slots__ = ("calls", "text", "thinking", "usage")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.thinking: list[str] = []
        self.calls: list[ToolCall] = []
        self.usage: Usage | None = None

    def add(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ThinkingDelta):
            self.thinking.append(event.text)
        elif isinstance(event, ToolCall):
            self.calls.append(event)
        else:
            self.usage = event


async def collect(stream: AsyncIterator[StreamEvent], request: ChatRequest) -> ChatResult:
    """Gather a stream into one result; validate JSON when the request asked for a schema."""
    tally = StreamTally()
    async for event in stream:
        tally.add(event)
    if tally.usage is None:
        raise IncompleteStream(
            "the model's stream ended without its final usage record",
            "check the server's log; the partial reply is kept",
            partial_text="".join(tally.text),
        )
    result = ChatResult(text="".join(tally.text), thinking="".join(tally.thinking),
                        tool_calls=tally.calls, usage=tally.usage)
    if request.json_schema is not None:
        result.parsed_json = validate_json_reply(result.text, request.json_schema)
    return result


def validate_json_reply(text: str, schema: dict) -> object:
    import jsonschema  # 80 ms to import: only calls that asked for a schema pay it

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidJsonReply(
            f"the model was asked for JSON but replied with something else ({exc.msg} at "
            f"line {exc.lineno} column {exc.colno})",
            "retry, or use a model whose server supports JSON-schema output",
            partial_text=text,
        ) from exc
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        raise InvalidJsonReply(
            f"the model's JSON breaks the schema at {where}: {exc.message}",
            "retry; if it persists the schema may be too strict for this model",
            partial_text=text,
        ) from exc
    return value
