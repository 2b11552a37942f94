"""The one request/stream contract every model backend speaks.

A `ChatRequest` goes in; an async stream of `StreamEvent`s comes out: thinking
and text deltas as they arrive, complete tool calls, and exactly one final
`Usage` record last. Backends raise `core.backends.errors.BackendError`s.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ingle.core.config.ladder import ThinkSetting as ThinkSetting  # re-exported: requests carry it

TokenSource = Literal["server", "tokenizer", "estimate"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant", "tool"]
    content: str
    thinking: str | None = None


class SamplingOptions(BaseModel):
    """Sampling options; None means "the server's default"."""

    temperature: float | None = None
    top_p: float | None = None
    num_predict: int | None = None
    stop: list[str] = Field(default_factory=list)
    seed: int | None = None

    def given(self) -> dict[str, Any]:
        """Only the options that are set, under Ollama's names (num_predict, stop...)."""
        given = self.model_dump(exclude_none=True)
        if not self.stop:
            given.pop("stop", None)
        return given


class ToolSpec(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any]


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessage]
    options: SamplingOptions = Field(default_factory=SamplingOptions)
    # None: do not send the field (the server decides); bool or level otherwise.
    think: ThinkSetting | None = None
    # A JSON schema the reply must follow (Ollama `format`, OpenAI `response_format`).
    json_schema: dict[str, Any] | None = None
    tools: list[ToolSpec] = Field(default_factory=list)


class ThinkingDelta(BaseModel):
    type: Literal["thinking"] = "thinking"
    text: str


class TextDelta(BaseModel):
    type: Literal["text"] = "text"
    text: str


class ToolCall(BaseModel):
    type: Literal["tool_call"] = "tool_call"
    id: str | None = None
    name: str
    arguments: dict[str, Any]


class Usage(BaseModel):
    """The final record of a call. Token counts are the server's own where it reports them."""

    type: Literal["usage"] = "usage"
    model: str
    prompt_tokens: int = 0
    # Everything generated, hidden thinking included (Ollama's eval_count).
    output_tokens: int = 0
    # The part of output_tokens that was hidden thinking. Ollama does not split its
    # count, so there it is apportioned by the characters of thinking vs answer.
    thinking_tokens: int = 0
    total_duration_s: float = 0.0
    load_duration_s: float = 0.0
    prompt_duration_s: float = 0.0
    eval_duration_s: float = 0.0
    tokens_per_s: float = 0.0
    done_reason: str = ""
    # The server processed fewer prompt tokens than we sent: the prompt was cut.
    truncated: bool = False
    cost_usd: float | None = None
    # Things the caller should tell the user (e.g. why `truncated` is set).
    warnings: list[str] = Field(default_factory=list)
    # Where the token counts come from: the server's own usage record, the server's
    # tokenizer run over the text afterwards (a stream without usage), or characters
    # per token (no tokenizer either). Anything but "server" is shown as estimated.
    token_source: TokenSource = "server"

    @property
    def estimated(self) -> bool:
        return self.token_source != "server"

    @property
    def visible_tokens(self) -> int:
        return max(self.output_tokens - self.thinking_tokens, 0)


StreamEvent = Annotated[ThinkingDelta | TextDelta | ToolCall | Usage, Field(discriminator="type")]


class ChatResult(BaseModel):
    """A whole reply, gathered from a stream (see `core.backends.base.collect`)."""

    text: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage
    parsed_json: Any = None


class ProgressEvent(BaseModel):
    """One line of a long server-side job (Ollama pull/create): status, and bytes when known."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None

    @property
    def fraction(self) -> float | None:
        if self.total and self.completed is not None:
            return min(self.completed / self.total, 1.0)
        return None
