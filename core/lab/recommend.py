"""Which model fits this GPU for this task, with the arithmetic shown.

memory needed = weights + KV cache x context + runtime overhead, where
  weights     = the model file (installed: /api/tags; else the built-in table),
  KV per token = layers x KV heads x (key size + value size) x bytes per element of the
                cache type (f16: 2), from /api/show `model_info`,
  overhead    = what the runtime adds (CUDA context, compute buffers): measured from
                /api/ps for models the user has loaded (size_vram - weights - KV), else a
                default.
The budget is the GPU's free memory plus what Ollama's loaded models hold (they are
unloaded for another), or `--vram GB`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ingle.core.lab.model_table import Architecture

KV_CACHE_BYTES: dict[str, float] = {"f16": 2.0, "q8_0": 1.0625, "q4_0": 0.5625}
DEFAULT_OVERHEAD = 600_000_000  # bytes, until /api/ps shows what this runtime really adds
CONTEXT_STEP = 256  # the largest context is reported rounded down to this
# Task kinds where answer quality beats speed: the largest model that fits ranks first.
QUALITY_KINDS = {"code", "frontend", "architecture", "review", "writing"}


class ModelSpec(BaseModel):
    name: str
    installed: bool
    quantization: str = ""
    weights_bytes: int
    architecture: Architecture | None = None
    source: str = ""  # where the architecture came from: /api/show or the built-in table


class Calibration(BaseModel):
    model: str
    context: int
    size_vram: int
    weights_bytes: int
    kv_bytes: int
    overhead_bytes: int


class Figures(BaseModel):
    weights_bytes: int
    kv_bytes_per_token: int
    kv_formula: str
    kv_bytes: int
    overhead_bytes: int
    total_bytes: int
    budget_bytes: int


class Candidate(BaseModel):
    model: str
    installed: bool
    quantization: str
    parameter_count: int | None
    fits: bool
    context: int
    max_context: int
    figures: Figures | None
    reason: str


class Recommendation(BaseModel):
    task: str
    context: int
    kv_cache: str
    gpu: str
    budget_bytes: int
    budget_text: str
    calibration: Calibration | None = None
    overhead_source: str
    candidates: list[Candidate] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def architecture_from_show(model_info: dict[str, Any]) -> Architecture | None:
    """The KV-relevant fields of /api/show `model_info`, or None when they are missing."""
    arch = model_info.get("general.architecture")
    if not arch:
        return None

    def field(name: str) -> Any:
        value = model_info.get(f"{arch}.{name}")
        return max(value) if isinstance(value, list) and value else value  # per-layer lists

    layers, kv_heads = field("block_count"), field("attention.head_count_kv")
    heads, width = field("attention.head_count"), field("embedding_length")
    head_size = field("attention.key_length") or (width // heads if width and heads else None)
    context, params = field("context_length"), model_info.get("general.parameter_count")
    if not (layers and kv_heads and head_size and context):
        return None
    return Architecture(layers=int(layers), kv_heads=int(kv_heads), head_size=int(head_size),
                        context_length=int(context), parameter_count=int(params or 0))


def kv_per_token(arch: Architecture, cache: str) -> tuple[int, str]:
    elem = KV_CACHE_BYTES[cache]
    value = int(2 * arch.layers * arch.kv_heads * arch.head_size * elem)
    formula = (f"2 (K,V) x {arch.layers} layers x {arch.kv_heads} KV heads x "
               f"{arch.head_size} head size x {elem:g} B ({cache})")
    return value, formula


def calibrate(spec: ModelSpec, context: int, size_vram: int, cache: str) -> Calibration | None:
    """The runtime overhead a loaded model shows: what /api/ps reports minus weights and KV."""
    if spec.architecture is None:
        return None
    per_token, _ = kv_per_token(spec.architecture, cache)
    kv = per_token * context
    return Calibration(model=spec.name, context=context, size_vram=size_vram,
                       weights_bytes=spec.weights_bytes, kv_bytes=kv,
                       overhead_bytes=max(size_vram - spec.weights_bytes - kv, 0))


def evaluate(spec: ModelSpec, context: int, budget: int, overhead: int, cache: str) -> Candidate:
    arch = spec.architecture
    params = arch.parameter_count if arch and arch.parameter_count else None
    if arch is None:
        return Candidate(model=spec.name, installed=spec.installed, quantization=spec.quantization,
                         parameter_count=params, fits=False, context=context, max_context=0,
                         figures=None, reason="its architecture is unknown (/api/show gave no "
                         "layer or KV head counts, and it is not in the built-in table)")
    per_token, formula = kv_per_token(arch, cache)
    kv = per_token * context
    total = spec.weights_bytes + kv + overhead
    room = budget - spec.weights_bytes - overhead
    largest = max(room // per_token, 0) if room > 0 else 0
    largest = min(largest - largest % CONTEXT_STEP, arch.context_length)
    fits = context <= arch.context_length and total <= budget
    figures = Figures(weights_bytes=spec.weights_bytes, kv_bytes_per_token=per_token,
                      kv_formula=formula, kv_bytes=kv, overhead_bytes=overhead,
                      total_bytes=total, budget_bytes=budget)
    if context > arch.context_length:
        reason = f"its context is at most {arch.context_length} tokens"
    elif not fits:
        reason = (f"needs {gb(total)} of {gb(budget)}; it fits only up to "
                  f"{largest} tokens of context" if largest else
                  f"its weights and overhead alone ({gb(spec.weights_bytes + overhead)}) "
                  f"exceed {gb(budget)}")
    else:
        limit = "the model's own limit" if largest == arch.context_length else "the VRAM's limit"
        reason = f"fits with {gb(budget - total)} to spare; up to {largest} tokens ({limit})"
    return Candidate(model=spec.name, installed=spec.installed, quantization=spec.quantization,
                     parameter_count=params, fits=fits, context=context, max_context=largest,
                     figures=figures, reason=reason)


def rank(candidates: list[Candidate], task: str) -> list[Candidate]:
    """Best first: models that fit; then installed ones; then, for quality task kinds, the
    most parameters (for light kinds the fewest: faster answers); misfits by largest context."""
    quality = task in QUALITY_KINDS

    def key(c: Candidate) -> tuple:
        size = c.parameter_count or 0
        return (not c.fits, not c.installed, -size if quality else size, -c.max_context, c.model)

    ranked = sorted(candidates, key=key)
    why = "the most parameters that fit (quality matters for this task)" if quality else \
        "the fewest parameters that fit (speed matters for this task)"
    for index, c in enumerate(ranked):
        if c.fits:
            note = why if index == 0 else "fits, but ranked below a better choice for this task"
            if not c.installed:
                note += f"; not installed: `ollama pull {c.model}`"
            ranked[index] = c.model_copy(update={"reason": f"{c.reason}; {note}"})
    return ranked


def gb(value: int | float) -> str:
    return f"{value / 1e9:.2f} GB"
