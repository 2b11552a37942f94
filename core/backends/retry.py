"""Back-off for rate-limited and overloaded servers, in one place for every backend.

Only a call that has not yet yielded anything is retried: once deltas reached the
caller, replaying the stream would show them twice.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable

from pydantic import BaseModel, Field

from ingle.core.backends.base import ModelBackend
from ingle.core.backends.errors import RateLimited
from ingle.core.backends.types import ChatRequest, StreamEvent

# (error, seconds until the next attempt, the attempt that just failed)
RetryNotice = Callable[[RateLimited, float, int], None]


class RetryPolicy(BaseModel):
    max_attempts: int = Field(4, ge=1)
    base_delay_s: float = Field(1.0, ge=0)
    max_delay_s: float = Field(30.0, ge=0)
    # A server asking for a longer wait than this is given up on: the caller can fall back.
    max_retry_after_s: float = Field(60.0, ge=0)

    def delay(self, error: RateLimited, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if attempt >= self.max_attempts:
            return None
        if error.retry_after_s is not None:
            return error.retry_after_s if error.retry_after_s <= self.max_retry_after_s else None
        backoff = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return backoff * (0.9 + 0.2 * random.random())  # jitter: callers do not retry in step


NO_RETRY = RetryPolicy(max_attempts=1)


async def stream_with_retry(
    backend: ModelBackend,
    request: ChatRequest,
    policy: RetryPolicy | None = None,
    on_retry: RetryNotice | None = None,
) -> AsyncIterator[StreamEvent]:
    policy = policy or RetryPolicy()
    attempt = 0
    while True:
        attempt += 1
        yielded = False
        try:
            async for event in backend.stream_chat(request):
                yielded = True
                yield event
            return
        except RateLimited as error:
            wait = None if yielded else policy.delay(error, attempt)
            if wait is None:
                raise
            if on_retry is not None:
                on_retry(error, wait, attempt)
            await asyncio.sleep(wait)  # the back-off itself, not a wait for some event
