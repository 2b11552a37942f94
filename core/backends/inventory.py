"""Every endpoint's installed models, and which are loaded with their VRAM (`ingle models`).

A dead endpoint is one line saying so and how to fix it, never a traceback.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ingle.core.config.redact import redact_url

if TYPE_CHECKING:
    from ingle.core.config.settings import Settings


class ModelRow(BaseModel):
    name: str
    size: int = 0
    parameters: str = ""
    quantization: str = ""
    context_length: int | None = None
    num_ctx: int | None = None  # what Ingle sends for this model on this endpoint
    capabilities: list[str] = Field(default_factory=list)
    loaded_vram: int | None = None  # bytes in VRAM when loaded
    loaded_size: int | None = None


class EndpointInventory(BaseModel):
    name: str
    kind: str
    url: str
    version: str = ""
    models: list[ModelRow] = Field(default_factory=list)
    error: str | None = None
    unreachable: bool = False


async def gather_inventories(settings: Settings, names: list[str]) -> list[EndpointInventory]:
    return list(await asyncio.gather(*(inventory(settings, name) for name in names)))


async def inventory(settings: Settings, name: str) -> EndpointInventory:
    """What one endpoint has installed and loaded; a failure becomes `error`, not an exception."""
    from ingle.core.backends.errors import BackendError, ServerUnreachable
    from ingle.core.backends.ollama import OllamaBackend
    from ingle.core.backends.registry import open_backend

    config = settings.endpoints[name]
    found = EndpointInventory(name=name, kind=config.kind, url=redact_url(config.url))
    backend = open_backend(settings, name)
    try:
        listed = await backend.list_models()
        if isinstance(backend, OllamaBackend):
            found.version = await backend.version()
            running = {m.name: m for m in await backend.ps()}
            shows = await asyncio.gather(*(backend.show(m.name) for m in listed),
                                         return_exceptions=True)
            for info, shown in zip(listed, shows, strict=True):
                row = ModelRow(name=info.name, size=info.size,
                               parameters=info.details.parameter_size,
                               quantization=info.details.quantization_level,
                               capabilities=info.capabilities)
                if not isinstance(shown, BaseException):
                    row.context_length = shown.context_length
                    row.capabilities = shown.capabilities or row.capabilities
                    row.num_ctx = await backend.num_ctx(info.name)
                if info.name in running:
                    row.loaded_vram = running[info.name].size_vram
                    row.loaded_size = running[info.name].size
                found.models.append(row)
        else:
            found.models = [ModelRow(name=m.name) for m in listed]
    except BackendError as exc:
        found.error = f"{exc.message} -> {exc.hint}" if exc.hint else exc.message
        found.unreachable = isinstance(exc, ServerUnreachable)
    finally:
        await backend.aclose()
    return found


def gigabytes(size: int) -> str:
    return f"{size / 1e9:.1f} GB"


def render(found: EndpointInventory) -> list[str]:
    head = f"{found.name}  {found.kind}{' ' + found.version if found.version else ''}  {found.url}"
    if found.error:
        state = "not reachable" if found.unreachable else "failed"
        return [f"{found.name}  {found.url}  {state}: {found.error}"]
    if not found.models:
        hint = "`ollama pull qwen3:8b`" if found.kind == "ollama" else "load one on the server"
        return [head, f"  no models installed ({hint})", ""]
    table = [["MODEL", "SIZE", "PARAMS", "QUANT", "CONTEXT", "NUM_CTX", "CAPABILITIES", "LOADED"]]
    for row in found.models:
        loaded = ""
        if row.loaded_vram is not None:
            loaded = f"{gigabytes(row.loaded_vram)} VRAM"
            if row.loaded_size and row.loaded_vram < row.loaded_size:
                loaded += f" ({gigabytes(row.loaded_size - row.loaded_vram)} on CPU)"
        table.append([
            row.name,
            gigabytes(row.size) if row.size else "",
            row.parameters,
            row.quantization,
            str(row.context_length or ""),
            str(row.num_ctx or ""),
            ",".join(row.capabilities),
            loaded,
        ])
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [head]
    lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
              for r in table]
    return [*lines, ""]
