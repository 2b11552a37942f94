"""Gather a VramView for an endpoint: the GPU when the endpoint is this machine, model
sizes and loaded models from Ollama. Any failure leaves that part unknown."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from ingle.core.backends.errors import BackendError
from ingle.core.backends.ollama import OllamaBackend
from ingle.core.gpu import read_gpu_memory
from ingle.core.routing.vram import VramView

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", ""}
VIEW_TTL_S = 30.0


def is_this_machine(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


async def probe_vram(backend: OllamaBackend, headroom_mb: int) -> VramView:
    view = VramView(headroom_bytes=headroom_mb * 1024 * 1024)
    if is_this_machine(backend.base_url):
        gpus = read_gpu_memory()
        if gpus:  # Ollama puts a model on one card when it fits: the largest decides
            best = max(gpus, key=lambda g: g.total_bytes)
            view.total_bytes, view.free_bytes = best.total_bytes, best.free_bytes
    try:
        view.sizes = {m.name: m.size for m in await backend.list_models()}
        view.loaded = {m.name: m.size_vram for m in await backend.ps()}
    except BackendError:
        pass
    return view


class VramCache:
    """One view per endpoint, refreshed at most every VIEW_TTL_S seconds."""

    def __init__(self) -> None:
        self._views: dict[str, tuple[float, VramView]] = {}

    async def get(self, backend: OllamaBackend, headroom_mb: int) -> VramView:
        now = time.monotonic()
        cached = self._views.get(backend.endpoint)
        if cached and now - cached[0] < VIEW_TTL_S:
            return cached[1]
        view = await probe_vram(backend, headroom_mb)
        self._views[backend.endpoint] = (now, view)
        return view
