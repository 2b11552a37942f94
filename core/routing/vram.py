"""What fits on the GPU: NVIDIA memory through nvidia-ml-py, model sizes from Ollama.

Used to skip a rung whose model would not fit at its num_ctx (a 12 GB card holds
qwen3:14b only with about 4K of context) and to prefer a model that is already loaded.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ingle.core.gpu import GpuMemory, GpuProbe, probe_gpus, read_gpu_memory

__all__ = ["GpuMemory", "GpuProbe", "VramView", "kv_bytes_per_token", "probe_gpus", "read_gpu_memory"]

# Fallback KV-cache cost when the architecture's numbers are unknown: about what an
# 8B model with grouped-query attention needs per token at f16.
DEFAULT_KV_BYTES_PER_TOKEN = 144 * 1024


class VramView(BaseModel):
    """What is known about one endpoint's GPU and models. Unknown fields are None/empty,
    and an unknown fit is treated as fitting: never refuse a model on a guess."""

    total_bytes: int | None = None
    free_bytes: int | None = None
    loaded: dict[str, int] = Field(default_factory=dict)  # model -> bytes in VRAM now
    sizes: dict[str, int] = Field(default_factory=dict)  # model -> weights size on disk
    kv_bytes_per_token: dict[str, int] = Field(default_factory=dict)
    headroom_bytes: int = 512 * 1024 * 1024

    def needed_bytes(self, model: str, num_ctx: int) -> int | None:
        size = self.sizes.get(model)
        if size is None:
            return None
        return size + num_ctx * self.kv_bytes_per_token.get(model, DEFAULT_KV_BYTES_PER_TOKEN)

    def fits(self, model: str, num_ctx: int) -> bool | None:
        """Whether `model` at `num_ctx` fits the card; None when unknown. Models already
        loaded count as room (Ollama unloads them to make space on one GPU)."""
        needed = self.needed_bytes(model, num_ctx)
        if needed is None or self.total_bytes is None:
            return None
        if model in self.loaded:
            return True
        return needed + self.headroom_bytes <= self.total_bytes


def kv_bytes_per_token(model_info: dict) -> int | None:
    """KV-cache bytes per token at f16 from /api/show's model_info, when it says enough."""
    arch = model_info.get("general.architecture")
    if not arch:
        return None
    layers = model_info.get(f"{arch}.block_count")
    heads = model_info.get(f"{arch}.attention.head_count")
    kv_heads = model_info.get(f"{arch}.attention.head_count_kv") or heads
    width = model_info.get(f"{arch}.embedding_length")
    key_len = model_info.get(f"{arch}.attention.key_length")
    if not (layers and heads and width):
        return None
    head_dim = key_len or width // heads
    return int(2 * layers * kv_heads * head_dim * 2)  # K and V, 2 bytes each
