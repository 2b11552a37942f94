"""What a fake model server should answer: scripted replies and recorded requests.

A test queues `Reply`s (`server.script(Reply(text="hi"))`) or installs a function of
the request (`server.respond_with(lambda req: Reply(text=req.json["model"]))`). Each
fake turns a Reply into its own wire protocol, so one script works for all three.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class HttpError(BaseModel):
    """Fail before streaming: this HTTP status and message (and Retry-After, if set)."""

    status: int
    message: str
    # Anthropic/OpenAI error type, e.g. "rate_limit_error"; a sensible one is picked if None.
    type: str | None = None
    retry_after: float | None = None


class MidStreamError(BaseModel):
    """Fail after `after` chunks (default: half of them) with an in-band error record."""

    message: str = "an error was encountered while running the model"
    type: str = "overloaded_error"
    after: int | None = None


class FakeToolCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class Reply(BaseModel):
    """One scripted answer. Chunks are thinking pieces first, then text pieces."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    text: str = ""
    thinking: str = ""
    # How the parts are cut: None = about one piece per word; an int = that many pieces
    # per part; a list = these exact text pieces (text is then their concatenation).
    chunks: int | list[str] | None = None
    # Old servers: thinking arrives inline as "<think>...</think>" at the start of content.
    inline_think: bool = False
    tool_calls: list[FakeToolCall] = Field(default_factory=list)
    error_before: HttpError | None = None
    error_midstream: MidStreamError | str | None = None
    # After this many chunks the server stops writing and holds the connection open.
    stall_after: int | None = None
    # After this many chunks the server ends the body cleanly but without the final record.
    cut_after: int | None = None
    delay: float = 0.0  # seconds between chunks (a slow model)
    prompt_tokens: int | None = None  # default: estimated from the request (chars / 4)
    output_tokens: int | None = None  # default: the number of chunks
    done_reason: str = "stop"

    def midstream(self) -> MidStreamError | None:
        if isinstance(self.error_midstream, str):
            return MidStreamError(message=self.error_midstream)
        return self.error_midstream

    def pieces(self) -> list[tuple[str, str]]:
        """(kind, text) chunks in order: kind is "thinking" or "text"."""
        thinking = self.thinking
        text = self.text
        if isinstance(self.chunks, list):
            text_pieces = list(self.chunks)
        else:
            if self.inline_think and thinking:
                text = f"<think>{thinking}</think>\n\n{text}"
                thinking = ""
            text_pieces = _cut(text, self.chunks)
        return [("thinking", p) for p in _cut(thinking, self.chunks_as_int())] + [
            ("text", p) for p in text_pieces
        ]

    def chunks_as_int(self) -> int | None:
        return self.chunks if isinstance(self.chunks, int) else None

    def full_text(self) -> str:
        return "".join(self.chunks) if isinstance(self.chunks, list) else self.text


def _cut(text: str, count: int | None) -> list[str]:
    if not text:
        return []
    if count is None:
        return re.findall(r"\S+\s*|\s+", text)
    count = max(1, min(count, len(text)))
    size, extra = divmod(len(text), count)
    out, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        out.append(text[start:end])
        start = end
    return out


class RecordedRequest(BaseModel):
    """A request a fake received, as the test sees it."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str]
    body: bytes = b""
    json_body: Any = None

    @property
    def json(self) -> Any:
        return self.json_body

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def estimate_tokens(body: Any) -> int:
    """The fake's stand-in for a tokenizer: characters of message content / 4, plus a little."""
    if not isinstance(body, dict):
        return 0
    chars = 0
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            chars += len(content)
        elif isinstance(content, list):
            chars += sum(len(str(block.get("text", ""))) for block in content if isinstance(block, dict))
    system = body.get("system")
    if isinstance(system, str):
        chars += len(system)
    return chars // 4 + 8
