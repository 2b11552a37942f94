"""Turn HTTP failures from Ollama and OpenAI-compatible servers into typed errors with hints."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ingle.core.config.redact import redact_url
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from ingle.core.backends.errors import (
    AuthenticationFailed,
    BackendError,
    BadRequest,
    CallTimedOut,
    CapabilityMissing,
    IncompleteStream,
    ModelNotFound,
    Overloaded,
    RateLimited,
    ServerError,
    ServerUnreachable,
)


@dataclass(frozen=True)
class ServerLabel:
    """Which server a failure came from, for messages: endpoint name, protocol, URL."""

    endpoint: str
    kind: str  # "ollama" | "openai"
    base_url: str

    @property
    def name(self) -> str:
        return f"{'Ollama' if self.kind == 'ollama' else 'the model server'} at {redact_url(self.base_url)} " \
            f"(endpoint '{self.endpoint}')"

    def start_hint(self) -> str:
        if self.kind == "ollama":
            return (
                "start it with `ollama serve`, or point OLLAMA_HOST (or "
                f"endpoints.{self.endpoint}.url in your config) at where it runs"
            )
        return (
            "start the server (llama-server, LM Studio, vLLM...), or fix "
            f"endpoints.{self.endpoint}.url in your config"
        )

    def missing_model_hint(self, model: str) -> str:
        if self.kind == "ollama":
            return f"run `ollama pull {model}`, or pick an installed model (`ingle models`)"
        return f"load '{model}' on that server, or pick one it serves (`ingle models`)"


def error_text(body: bytes) -> str:
    """The server's own error message from `{"error": "..."}`, `{"error": {"message": ...}}`
    or FastAPI's `{"detail": [...]}`, tidied to one line a person can read."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _tidy(body.decode("utf-8", "replace"))
    if isinstance(data, dict):
        if isinstance(data.get("detail"), list):  # FastAPI's 422: a list of field errors
            return "; ".join(_field_error(e) for e in data["detail"] if isinstance(e, dict))
        error = data.get("error", data)
        if isinstance(error, dict):
            return _tidy(str(error.get("message") or error.get("detail") or error))
        return _tidy(str(error))
    return _tidy(str(data))


# A pydantic validation error repr inside a message (llama-cpp-python answers them as HTTP 500):
# {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': "Input ..."
_PYDANTIC_ERROR = re.compile(
    r"'loc': \((?P<loc>[^)]*)\), 'msg': (?P<q>[\"'])(?P<msg>.*?)(?P=q)(?:, 'input': (?P<input>[^,}]*))?"
)


def _field_error(error: dict) -> str:
    loc = [str(p) for p in error.get("loc") or () if p != "body"]
    return f"{'.'.join(loc)}: {error.get('msg', '')}" if loc else str(error.get("msg", error))


def _tidy(message: str) -> str:
    found = [m for m in _PYDANTIC_ERROR.finditer(message)]
    if found:
        parts = []
        for m in found:
            loc = [p.strip(" '\"") for p in m["loc"].split(",") if p.strip(" '\"") not in ("", "body")]
            got = f" (got {m['input'].strip()})" if m["input"] else ""
            parts.append(f"{'.'.join(loc)}: {m['msg']}{got}")
        return "; ".join(parts)
    return " ".join(message.split())[:500]


def _refused_shape(body: bytes) -> bool:
    """A 5xx that is really a refusal of the request's shape (a validation error)."""
    raw = body.decode("utf-8", "replace")
    return bool(_PYDANTIC_ERROR.search(raw)) or "validation error" in raw.lower()


def retry_after_s(headers: httpx.Headers) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if ms := headers.get("retry-after-ms"):
        try:
            return max(float(ms) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def status_error(
    label: ServerLabel, response: httpx.Response, model: str, partial_text: str = ""
) -> BackendError:
    """An error for a non-2xx reply; the body must have been read."""
    status = response.status_code
    message = error_text(response.content) or f"HTTP {status}"
    lowered = message.lower()
    if status == 404 and model:
        return ModelNotFound(
            model,
            f"model '{model}' is not available from {label.name}: {message}",
            label.missing_model_hint(model),
        )
    if status == 400 and "does not support thinking" in lowered:
        return CapabilityMissing(
            f"model '{model}' cannot think (the server says: {message})",
            "drop --think / think=true for this model, or use a thinking model such as qwen3",
        )
    if status == 400 and "does not support tools" in lowered:
        return CapabilityMissing(
            f"model '{model}' cannot call tools (the server says: {message})",
            "use a model with the tools capability (`ingle models` lists capabilities)",
        )
    if status in (401, 403):
        return AuthenticationFailed(
            f"{label.name} refused the request ({status}): {message}",
            f"check endpoints.{label.endpoint}.api_key in your config",
        )
    if status == 429:
        return RateLimited(
            f"{label.name} is rate limiting requests: {message}",
            "wait and retry; lower endpoints concurrency if this keeps happening",
            retry_after_s(response.headers),
        )
    if status == 503:
        return Overloaded(
            f"{label.name} is busy (its queue is full): {message}",
            "wait and retry, or raise OLLAMA_MAX_QUEUE on the server",
            retry_after_s(response.headers),
        )
    if status >= 500 and not _refused_shape(response.content):
        # Quote the server; name memory only when the server itself did.
        memory = any(w in lowered for w in ("memory", "alloc", "oom"))
        return ServerError(
            f"{label.name} failed with HTTP {status}: {message}",
            "the server ran out of memory: use a smaller model or context, or free memory"
            if memory else "check the server's log for the cause; the server said only this",
            partial_text=partial_text,
        )
    return BadRequest(
        f"{label.name} rejected the request (HTTP {status}); it said: {message}",
        "this is likely an option the server or model does not support; see `ingle log --full`",
    )


def transport_error(label: ServerLabel, exc: httpx.HTTPError, partial_text: str = "") -> BackendError:
    """An error for a connection that failed, timed out or broke off."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ServerUnreachable(f"cannot reach {label.name}: {exc}", label.start_hint())
    if isinstance(exc, httpx.TimeoutException):
        return CallTimedOut(
            f"{label.name} sent nothing for too long ({type(exc).__name__})",
            "the model may be loading or stuck; retry, or check the server's log",
            partial_text=partial_text,
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return IncompleteStream(
            f"{label.name} closed the connection before the reply was complete ({exc})",
            "check the server's log (a crash or out-of-memory); the partial reply is kept",
            partial_text=partial_text,
        )
    return BackendError(f"talking to {label.name} failed: {exc}", label.start_hint(), partial_text)
