"""Build backends from settings: endpoint name -> Ollama or OpenAI-compatible client, or Claude.

A model reference may name its endpoint: "qwen3:8b@gpu" is qwen3:8b on the endpoint
called "gpu". "claude" is the Claude backend unless an endpoint of that name exists;
"embedded" likewise is the llama.cpp server Ingle starts itself with the bundled SmolLM2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.backends.base import ModelBackend
from ingle.core.backends.embedded import EMBEDDED, EmbeddedBackend
from ingle.core.backends.errors import UnknownEndpoint
from ingle.core.backends.ollama import OllamaBackend
from ingle.core.backends.openai_compat import OpenAICompatBackend
from ingle.core.config.settings import Settings

if TYPE_CHECKING:
    from ingle.core.backends.anthropic_backend import ClaudeBackend

CLAUDE = "claude"
DEFAULT_ENDPOINT = "local"


def split_model_ref(ref: str) -> tuple[str, str | None]:
    """"qwen3:8b@gpu" -> ("qwen3:8b", "gpu"); "qwen3:8b" -> ("qwen3:8b", None).

    A digest pin ("name@sha256:...") is part of the model name, not an endpoint.
    """
    model, sep, endpoint = ref.rpartition("@")
    if not sep or not model or not endpoint or endpoint.startswith("sha256:"):
        return ref, None
    return model, endpoint


def default_endpoint(settings: Settings) -> str:
    """"local" when configured, else the first configured endpoint."""
    if DEFAULT_ENDPOINT in settings.endpoints or not settings.endpoints:
        return DEFAULT_ENDPOINT
    return next(iter(settings.endpoints))


def open_backend(
    settings: Settings, endpoint: str, *, read_timeout_s: float | None = None
) -> ModelBackend:
    """The backend for a configured endpoint (or "claude"). Close it with `aclose()`."""
    config = settings.endpoints.get(endpoint)
    if config is None:
        if endpoint == CLAUDE:
            return open_claude(settings)
        if endpoint == EMBEDDED:  # works unconfigured: the bundled SmolLM2
            return EmbeddedBackend(EMBEDDED)
        known = ", ".join(sorted(settings.endpoints)) or "none"
        raise UnknownEndpoint(
            f"no endpoint named '{endpoint}' is configured (configured: {known})",
            f"add [endpoints.{endpoint}] with kind and url to ~/.config/ingle/config.toml, "
            "or use one of the configured names",
        )
    if config.kind == "ollama":
        return open_ollama(settings, endpoint, read_timeout_s=read_timeout_s)
    if config.kind == "embedded":
        return EmbeddedBackend(endpoint, config.model_path, n_ctx=config.n_ctx,
                               concurrency=config.concurrency)
    timeouts = {} if read_timeout_s is None else {"read_timeout_s": read_timeout_s}
    return OpenAICompatBackend(
        endpoint,
        config.url,
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        concurrency=config.concurrency,
        **timeouts,
    )


def open_ollama(
    settings: Settings, endpoint: str = DEFAULT_ENDPOINT, *, read_timeout_s: float | None = None
) -> OllamaBackend:
    config = settings.endpoints.get(endpoint)
    if config is None or config.kind != "ollama":
        what = "not configured" if config is None else f"a '{config.kind}' endpoint"
        raise UnknownEndpoint(
            f"endpoint '{endpoint}' is {what}, not an Ollama server",
            "name an endpoint with kind = \"ollama\" (see `ingle config`)",
        )
    timeouts = {} if read_timeout_s is None else {"read_timeout_s": read_timeout_s}
    return OllamaBackend(
        endpoint,
        config.url,
        num_ctx_for=settings.num_ctx_for,
        keep_alive_for=settings.keep_alive_for,
        api_key=config.api_key.get_secret_value() if config.api_key else None,
        concurrency=config.concurrency,
        **timeouts,
    )


def open_claude(settings: Settings, *, max_retries: int = 0) -> ClaudeBackend:
    """Claude, or NoApiKey (with a hint) when no key is configured."""
    from ingle.core.backends.anthropic_backend import ClaudeBackend

    return ClaudeBackend(settings.claude, max_retries=max_retries)
