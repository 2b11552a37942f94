"""Typed model-server failures, each with a message a person can act on.

`message` says what went wrong; `hint` says what to do about it. Front ends show
both; batch mode maps `ServerUnreachable` to exit status 3.
"""

from __future__ import annotations

from ingle.core.errors import EXIT_UNREACHABLE, IngleError


class BackendError(IngleError):
    """Base class. `partial_text` keeps whatever the model had streamed before a failure."""

    retryable: bool = False

    def __init__(self, message: str, hint: str = "", partial_text: str = "") -> None:
        super().__init__(message, hint)
        self.partial_text = partial_text


class ServerUnreachable(BackendError):
    retryable = True
    exit_status = EXIT_UNREACHABLE


class ModelNotFound(BackendError):
    def __init__(self, model: str, message: str = "", hint: str = "") -> None:
        super().__init__(
            message or f"model '{model}' is not installed on this server",
            hint or f"run `ollama pull {model}`, or pick another model with --model",
        )
        self.model = model


class CapabilityMissing(BackendError):
    """The model cannot do what was asked (thinking, tools, vision...)."""


class NoApiKey(BackendError):
    pass


class AuthenticationFailed(BackendError):
    pass


class RateLimited(BackendError):
    retryable = True

    def __init__(self, message: str, hint: str = "", retry_after_s: float | None = None) -> None:
        super().__init__(message, hint)
        self.retry_after_s = retry_after_s


class Overloaded(RateLimited):
    pass


class BadRequest(BackendError):
    """The server refused the request as malformed (a bug in the caller, or an option it lacks)."""


class ServerError(BackendError):
    """The server answered with an internal error (HTTP 5xx) before streaming anything."""


class UnknownEndpoint(BackendError):
    """A model reference or flag named an endpoint that is not configured."""


class StreamFailed(BackendError):
    """The server reported an error in the middle of a stream."""


class IncompleteStream(BackendError):
    """The stream ended without its final record (connection cut, server crash)."""


class CallTimedOut(BackendError):
    retryable = True


class InvalidJsonReply(BackendError):
    """A JSON schema was asked for and the reply is not valid JSON, or breaks the schema."""
