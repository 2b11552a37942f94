"""The one way Ingle calls a model: stream it (with rate-limit back-off) and log the call.

`recorded_stream` yields exactly the backend's events and, when the stream ends,
fails, or the caller stops reading, writes one `model_calls` row: the request body
as sent (secrets redacted), the reply and thinking text, usage and the error. The
agent, cascade, MCP server and TUI all call models through it.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from ingle.core.backends.accounting import CHARS_PER_TOKEN, framing_tokens, prompt_text
from ingle.core.backends.base import ModelBackend, StreamTally
from ingle.core.backends.retry import RetryNotice, RetryPolicy, stream_with_retry
from ingle.core.backends.types import ChatRequest, StreamEvent, Usage
from ingle.memory.call_log import CallRecord, Outcome, record_call
from ingle.memory.store import Store
from ingle.memory.token_calibration import load_calibration

log = logging.getLogger(__name__)


async def recorded_stream(
    backend: ModelBackend,
    request: ChatRequest,
    store: Store,
    *,
    persona: str | None = None,
    persona_version: str | None = None,
    task_kind: str | None = None,
    rung: int | None = None,
    repo: Path | str | None = None,
    retry: RetryPolicy | None = None,
    on_retry: RetryNotice | None = None,
    on_recorded: Callable[[int], None] | None = None,
) -> AsyncIterator[StreamEvent]:
    started_at = time.time()
    clock = time.monotonic()
    tally = StreamTally()
    outcome: Outcome = "cancelled"  # unless the stream finishes or fails below
    error: str | None = None
    try:
        async for event in stream_with_retry(backend, request, retry, on_retry):
            if isinstance(event, Usage) and event.token_source == "estimate":
                event = calibrated(event, request, store)
            tally.add(event)
            yield event
        outcome = "ok"
    except Exception as exc:  # BackendErrors and bugs alike are logged, then re-raised
        outcome, error = "error", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        reply = "".join(tally.text)
        if tally.calls:
            reply += "\n\n[tool calls]\n" + "\n".join(c.model_dump_json() for c in tally.calls)
        record = CallRecord(
            started_at=started_at,
            duration_s=time.monotonic() - clock,
            endpoint=backend.endpoint,
            backend=backend.kind,
            model=request.model,
            persona=persona,
            persona_version=persona_version,
            task_kind=task_kind,
            rung=rung,
            think=None if request.think is None else json.dumps(request.think).strip('"'),
            request_json=json.dumps(_wire_body(backend, request), ensure_ascii=False),
            reply_text=reply,
            thinking_text="".join(tally.thinking),
            outcome=outcome,
            error=error,
            repo=str(repo) if repo else None,
            **_usage_columns(tally.usage),
        )
        try:
            call_id = record_call(store, record, _secrets(backend))
            if on_recorded is not None:  # the turn tags its attempt's row with the verdict
                on_recorded(call_id)
        except sqlite3.Error as exc:  # the model's answer matters more than its log entry
            log.warning("could not record the model call in %s: %s", store.path, exc)


def _wire_body(backend: ModelBackend, request: ChatRequest) -> Any:
    """The body as the backend sends it, when it can say; else the request itself."""
    wire_body = getattr(backend, "wire_body", None)
    if wire_body is not None:
        return wire_body(request)
    return request.model_dump(mode="json", exclude_defaults=True)


def _secrets(backend: ModelBackend) -> list[str]:
    secrets = getattr(backend, "secrets", None)
    return list(secrets()) if secrets is not None else []


def _usage_columns(usage: Usage | None) -> dict[str, Any]:
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.prompt_tokens,
        "output_tokens": usage.output_tokens,
        "thinking_tokens": usage.thinking_tokens,
        "tokens_per_s": usage.tokens_per_s,
        "done_reason": usage.done_reason,
        "truncated": usage.truncated,
        "cost_usd": usage.cost_usd,
        "token_source": usage.token_source,
    }


def calibrated(usage: Usage, request: ChatRequest, store: Store) -> Usage:
    """A characters-per-token estimate redone with the model's learned ratio, when the
    model has one (learned from servers that did report counts)."""
    try:
        calibration = load_calibration(store, request.model)
    except sqlite3.Error:
        return usage
    if calibration is None:
        return usage
    ratio = calibration.chars_per_token
    prompt = math.ceil(len(prompt_text(request)) / ratio) + framing_tokens(len(request.messages))
    output = math.ceil(usage.output_tokens * CHARS_PER_TOKEN / ratio)
    return usage.model_copy(update={"prompt_tokens": prompt, "output_tokens": output})
