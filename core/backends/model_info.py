"""What a model server says about its models: installed (tags), one in detail (show), loaded (ps).

Field names follow Ollama's JSON; OpenAI-compatible servers fill only `name`.
Unknown keys are ignored so newer servers do not break us.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ModelDetails(_Wire):
    format: str = ""
    family: str = ""
    families: list[str] | None = None
    parameter_size: str = ""
    quantization_level: str = ""


class ModelInfo(_Wire):
    """One installed model (an `/api/tags` entry)."""

    name: str
    size: int = 0
    digest: str = ""
    modified_at: str = ""
    details: ModelDetails = Field(default_factory=ModelDetails)
    # Newer Ollama servers list capabilities here; otherwise ask `show`.
    capabilities: list[str] = Field(default_factory=list)


class ModelShow(_Wire):
    """`/api/show`: the model's details, capabilities and trained context length."""

    details: ModelDetails = Field(default_factory=ModelDetails)
    capabilities: list[str] = Field(default_factory=list)
    model_info: dict[str, Any] = Field(default_factory=dict)
    # Modelfile-style lines such as "num_ctx 4096\nstop ..." (a string, not an object).
    parameters: str = ""
    template: str = ""
    system: str = ""
    modelfile: str = ""

    @property
    def context_length(self) -> int | None:
        """The trained context window: `model_info["<architecture>.context_length"]`."""
        arch = self.model_info.get("general.architecture")
        value = self.model_info.get(f"{arch}.context_length") if arch else None
        if value is None:  # servers that omit the architecture key (llama.cpp's stub)
            value = next(
                (v for k, v in self.model_info.items() if k.endswith(".context_length")), None
            )
        return int(value) if isinstance(value, int | float) and value > 0 else None


class RunningModel(_Wire):
    """A model loaded in memory (`/api/ps`)."""

    name: str
    size: int = 0
    size_vram: int = 0
    context_length: int | None = None
    expires_at: str = ""
    details: ModelDetails = Field(default_factory=ModelDetails)

    @property
    def on_cpu_bytes(self) -> int:
        """Bytes not in VRAM: non-zero means part of the model runs on the CPU (slow)."""
        return max(self.size - self.size_vram, 0)
