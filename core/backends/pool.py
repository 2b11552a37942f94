"""One client per endpoint, opened on first use and kept open until the pool closes.

Every caller that needs a model server (the coding session, `ingle ask`, the MCP server,
the evaluator, the job runner) takes it from the workbench's pool, so connections and
per-endpoint concurrency limits are shared instead of built twice.
"""

from __future__ import annotations

from ingle.core.backends.base import ModelBackend
from ingle.core.backends.registry import default_endpoint, open_backend
from ingle.core.config.settings import Settings
from ingle.personas.model import ModelRef


class ModelPool:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._backends: dict[str, ModelBackend] = {}

    def endpoint_of(self, ref: ModelRef | str) -> str:
        """The endpoint name a model reference runs on ("qwen3:8b@gpu" -> "gpu")."""
        ref = ModelRef.parse(ref) if isinstance(ref, str) else ref
        return ref.endpoint or default_endpoint(self.settings)

    def backend(self, endpoint: str | None = None) -> ModelBackend:
        """The client for `endpoint` (None: the default one). Raises UnknownEndpoint."""
        name = endpoint or default_endpoint(self.settings)
        if name not in self._backends:
            self._backends[name] = open_backend(self.settings, name)
        return self._backends[name]

    def open_endpoints(self) -> list[str]:
        return list(self._backends)

    async def aclose(self) -> None:
        backends, self._backends = list(self._backends.values()), {}
        for backend in backends:
            await backend.aclose()
