"""Token arithmetic shared by the backends: estimates, the thinking split, truncation, cost."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ingle.core.backends.types import ChatRequest
from ingle.core.config.settings import Price

# chars/4 is the usual offline estimate (+-30%); code tends to have more tokens per char.
CHARS_PER_TOKEN = 4
# Only call a prompt truncated when the server read less than half of a prompt this big:
# a warm prompt cache on old servers and tokenizer variance must not raise false alarms.
_TRUNCATION_MIN_ESTIMATE = 512
_TRUNCATION_RATIO = 0.5

_SNAPSHOT_SUFFIX = re.compile(r"-\d{8}$")
# Chat templates wrap each message in role markers (<|im_start|>user\n ... <|im_end|>\n)
# and open the assistant's turn at the end.
MESSAGE_OVERHEAD_TOKENS = 4
REQUEST_OVERHEAD_TOKENS = 3


def estimate_prompt_tokens(request: ChatRequest) -> int:
    chars = sum(len(m.content) + len(m.thinking or "") for m in request.messages)
    return chars // CHARS_PER_TOKEN


def framing_tokens(message_count: int) -> int:
    """The tokens a chat template adds around `message_count` messages (about)."""
    return REQUEST_OVERHEAD_TOKENS + MESSAGE_OVERHEAD_TOKENS * message_count


def prompt_text(request: ChatRequest) -> str:
    """The request's messages as one text, for a tokenizer to count."""
    return "\n".join(m.content + (m.thinking or "") for m in request.messages)


def apportion_thinking(output_tokens: int, thinking_chars: int, text_chars: int) -> int:
    """Servers that count thinking and answer together: split by characters."""
    total = thinking_chars + text_chars
    if output_tokens <= 0 or thinking_chars <= 0 or total <= 0:
        return 0
    return round(output_tokens * thinking_chars / total)


def truncation_warning(
    estimate: int, prompt_eval_count: int, num_ctx: int | None, model: str
) -> str | None:
    """A message when the server clearly read less of the prompt than was sent, else None.

    `num_ctx` is what was sent (Ollama); None for servers whose window is fixed at start-up.
    """
    if estimate < _TRUNCATION_MIN_ESTIMATE or prompt_eval_count <= 0:
        return None
    if prompt_eval_count >= estimate * _TRUNCATION_RATIO:
        return None
    said = f"the server read only {prompt_eval_count} prompt tokens of about {estimate} sent"
    if num_ctx is None:
        return (
            f"{said}: the prompt was cut to fit the server's context window. Send less, or "
            "start the server with a larger context (e.g. llama-server -c)"
        )
    return (
        f"{said}: the prompt was cut to fit num_ctx={num_ctx}. Send less, or raise "
        f'models."{model}".num_ctx in your config if the GPU has room'
    )


def price_for(prices: Mapping[str, Price], model: str) -> Price | None:
    """The price of a Claude model id, also for dated snapshots (claude-x-4-5-20251001)."""
    return prices.get(model) or prices.get(_SNAPSHOT_SUFFIX.sub("", model))


def claude_cost(
    price: Price,
    input_tokens: int,
    output_tokens: int,
    cache_write_tokens: int = 0,
    cache_read_tokens: int = 0,
) -> float:
    """US dollars. Cache prices default to Anthropic's 1.25x (5-minute write) and 0.1x (read)."""
    cache_write = price.cache_write if price.cache_write is not None else price.input * 1.25
    cache_read = price.cache_read if price.cache_read is not None else price.input * 0.1
    return (
        input_tokens * price.input
        + output_tokens * price.output
        + cache_write_tokens * cache_write
        + cache_read_tokens * cache_read
    ) / 1_000_000
