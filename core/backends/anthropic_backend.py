"""Claude through the `anthropic` SDK (2.x): streamed thinking and text, usage, cost.

The SDK is imported only when a ClaudeBackend is built (it costs about 1.4 s), never
at module import. The SDK's own retries default to 0 here: rate-limit back-off is done
once for every backend in `core.backends.retry`. Since SDK 1.0 sampling options are
not keyword arguments; temperature and top_p go through `extra_body`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from ingle.core.backends.accounting import apportion_thinking, claude_cost, price_for
from ingle.core.backends.errors import (
    AuthenticationFailed,
    BackendError,
    BadRequest,
    CallTimedOut,
    IncompleteStream,
    ModelNotFound,
    NoApiKey,
    Overloaded,
    RateLimited,
    ServerError,
    ServerUnreachable,
    StreamFailed,
)
from ingle.core.backends.http_errors import retry_after_s
from ingle.core.backends.types import ChatRequest, StreamEvent, TextDelta, ThinkingDelta, ToolCall, Usage
from ingle.core.config.settings import ClaudeSettings

DEFAULT_BASE_URL = "https://api.anthropic.com"
# Thinking budgets per requested level (tokens; the API's minimum is 1024).
_THINK_BUDGET = {True: 4096, "low": 2048, "medium": 4096, "high": 8192, "max": 16384}


class ClaudeBackend:
    kind = "anthropic"

    def __init__(
        self,
        claude: ClaudeSettings,
        *,
        max_retries: int = 0,
        read_timeout_s: float = 600.0,
        connect_timeout_s: float = 5.0,
    ) -> None:
        if claude.api_key is None or not claude.api_key.get_secret_value():
            raise NoApiKey(
                "no Anthropic API key: escalation to Claude is off",
                "set ANTHROPIC_API_KEY, or claude.api_key in ~/.config/ingle/config.toml",
            )
        import anthropic  # lazily: the SDK is slow to import

        self.endpoint = "claude"
        self.base_url = (claude.base_url or DEFAULT_BASE_URL).rstrip("/")
        self._claude = claude
        self._key = claude.api_key.get_secret_value()
        self._client = anthropic.AsyncAnthropic(
            api_key=self._key,
            base_url=self.base_url,
            max_retries=max_retries,
            timeout=anthropic.Timeout(read_timeout_s, connect=connect_timeout_s),
        )

    def wire_body(self, request: ChatRequest) -> dict[str, Any]:
        """The keyword arguments given to `messages.stream` (the key is not among them)."""
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        messages = []
        for m in request.messages:
            if m.role == "system":
                continue
            if m.role == "tool":  # plain-text tool results: the agent's text protocol
                messages.append({"role": "user", "content": f"Tool result:\n{m.content}"})
            else:
                messages.append({"role": m.role, "content": m.content})
        sampling = request.options
        max_tokens = sampling.num_predict or self._claude.max_tokens
        body: dict[str, Any] = {"model": request.model, "max_tokens": max_tokens,
                                "messages": messages}
        if system:
            body["system"] = system
        if sampling.stop:
            body["stop_sequences"] = list(sampling.stop)
        extra: dict[str, Any] = {}
        if request.think:
            budget = max(1024, min(_THINK_BUDGET.get(request.think, 4096), max_tokens // 2))
            body["max_tokens"] = max(max_tokens, budget + 1024)
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        else:  # the API refuses a temperature other than 1 while thinking
            if sampling.temperature is not None:
                extra["temperature"] = sampling.temperature
            if sampling.top_p is not None:
                extra["top_p"] = sampling.top_p
        if extra:
            body["extra_body"] = extra
        if request.json_schema is not None:
            body["output_config"] = {"format": {"type": "json_schema",
                                                "schema": request.json_schema}}
        if request.tools:
            body["tools"] = [{"name": t.name, "description": t.description,
                              "input_schema": t.parameters} for t in request.tools]
        return body

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        import anthropic

        body = self.wire_body(request)
        text: list[str] = []
        thinking: list[str] = []
        started = time.monotonic()
        first_token_at: float | None = None
        try:
            async with self._client.messages.stream(**body) as stream:
                stopped = False
                async for event in stream:
                    kind = event.type
                    if kind == "text":
                        first_token_at = first_token_at or time.monotonic()
                        text.append(event.text)
                        yield TextDelta(text=event.text)
                    elif kind == "thinking":
                        first_token_at = first_token_at or time.monotonic()
                        thinking.append(event.thinking)
                        yield ThinkingDelta(text=event.thinking)
                    elif kind == "content_block_stop" and event.content_block.type == "tool_use":
                        block = event.content_block
                        yield ToolCall(id=block.id, name=block.name, arguments=dict(block.input))
                    elif kind == "message_stop":
                        stopped = True
                if not stopped:
                    raise IncompleteStream(
                        f"Claude's reply from {self.base_url} ended without message_stop",
                        "the connection was cut; retry (the partial reply is kept)",
                        partial_text="".join(text),
                    )
                final = await stream.get_final_message()
        except anthropic.APIError as exc:
            raise self._map_error(exc, request.model, "".join(text)) from exc
        ended = time.monotonic()
        yield self._usage(request.model, final.usage, final.stop_reason or "", text, thinking,
                          ended - started, ended - (first_token_at or ended))

    def _usage(self, model: str, usage: Any, stop_reason: str, text: list[str],
               thinking: list[str], total_s: float, eval_s: float) -> Usage:
        cache_write = usage.cache_creation_input_tokens or 0
        cache_read = usage.cache_read_input_tokens or 0
        details = getattr(usage, "output_tokens_details", None)
        thinking_tokens = details.thinking_tokens if details is not None else apportion_thinking(
            usage.output_tokens, sum(map(len, thinking)), sum(map(len, text)))
        price = price_for(self._claude.prices, model)
        warnings = [] if price else [(
            f"no price for '{model}' in claude.prices: this call's cost is unknown; add it to "
            "your config so the daily cap can count it")]
        cost = claude_cost(price, usage.input_tokens, usage.output_tokens, cache_write,
                           cache_read) if price else None
        return Usage(
            model=model,
            prompt_tokens=usage.input_tokens + cache_write + cache_read,
            output_tokens=usage.output_tokens,
            thinking_tokens=thinking_tokens,
            total_duration_s=total_s,
            eval_duration_s=eval_s,
            tokens_per_s=usage.output_tokens / eval_s if eval_s > 0 else 0.0,
            done_reason=stop_reason,
            cost_usd=cost,
            warnings=warnings,
        )

    def _map_error(self, exc: Exception, model: str, partial: str) -> BackendError:
        """The SDK's exception classes mapped to ours. Mid-stream errors arrive as a plain
        APIStatusError with status 200, so the error's `type` is checked, not only the class."""
        import anthropic as sdk

        where = f"Anthropic at {self.base_url}"
        if isinstance(exc, sdk.APITimeoutError):
            return CallTimedOut(f"{where} sent nothing for too long", "retry later",
                                partial_text=partial)
        if isinstance(exc, sdk.APIConnectionError):
            return ServerUnreachable(
                f"cannot reach {where}: {exc.message}",
                "check your network connection, or ANTHROPIC_BASE_URL / claude.base_url",
            )
        if not isinstance(exc, sdk.APIStatusError):
            return BackendError(f"{where}: {exc}", "", partial)
        message = exc.api_message or str(exc)
        midstream = exc.status_code == 200
        retry = None if midstream else retry_after_s(exc.response.headers)
        error: BackendError
        if isinstance(exc, sdk.OverloadedError) or exc.type == "overloaded_error":
            error = Overloaded(f"{where} is overloaded: {message}", "retry in a little while", retry)
        elif isinstance(exc, sdk.RateLimitError) or exc.type == "rate_limit_error":
            error = RateLimited(f"{where} is rate limiting this key: {message}",
                                "wait, or lower how many Claude calls run at once", retry)
        elif isinstance(exc, sdk.AuthenticationError | sdk.PermissionDeniedError):
            error = AuthenticationFailed(
                f"{where} refused the API key ({exc.status_code}): {message}",
                "check ANTHROPIC_API_KEY or claude.api_key (keys: console.anthropic.com)",
            )
        elif isinstance(exc, sdk.NotFoundError):
            error = ModelNotFound(model, f"{where} does not know model '{model}': {message}",
                                  "set claude.model to a current id such as claude-sonnet-4-6")
        elif isinstance(exc, sdk.BadRequestError):
            error = BadRequest(f"{where} rejected the request: {message}",
                               "see the request with `ingle log --full`")
        elif midstream:
            error = StreamFailed(f"{where} failed mid-reply: {message}", "retry")
        elif isinstance(exc, sdk.InternalServerError):
            error = ServerError(f"{where} failed ({exc.status_code}): {message}", "retry later")
        else:
            error = BackendError(f"{where} answered {exc.status_code}: {message}", "")
        error.partial_text = partial
        return error

    def secrets(self) -> list[str]:
        return [self._key]

    async def aclose(self) -> None:
        await self._client.close()
