"""A built-in table of common local models: architecture (what the KV cache needs per
token) and weight file sizes per quantization, for models that are not installed yet.

Architecture figures are the GGUF metadata Ollama reports in /api/show `model_info`;
sizes are the Ollama library's file sizes (bytes) per quantization tag.
"""

from __future__ import annotations

from pydantic import BaseModel


class Architecture(BaseModel):
    """What one token of KV cache costs: 2 (K and V) x layers x KV heads x head size."""

    layers: int
    kv_heads: int
    head_size: int
    context_length: int
    parameter_count: int


class TableModel(BaseModel):
    name: str
    architecture: Architecture
    sizes: dict[str, int]  # quantization -> weights file bytes
    default_quantization: str = "Q4_K_M"


MODEL_TABLE: list[TableModel] = [
    TableModel(name="qwen3:4b", architecture=Architecture(
        layers=36, kv_heads=8, head_size=128, context_length=40960, parameter_count=4_022_468_096),
        sizes={"Q4_K_M": 2_620_788_260, "Q8_0": 4_280_000_000}),
    TableModel(name="qwen3:8b", architecture=Architecture(
        layers=36, kv_heads=8, head_size=128, context_length=40960, parameter_count=8_190_735_360),
        sizes={"Q4_K_M": 5_225_376_047, "Q8_0": 8_709_000_000}),
    TableModel(name="qwen3:14b", architecture=Architecture(
        layers=40, kv_heads=8, head_size=128, context_length=40960,
        parameter_count=14_768_307_200),
        sizes={"Q4_K_M": 9_276_198_565, "Q8_0": 15_700_000_000}),
    TableModel(name="qwen2.5-coder:7b", architecture=Architecture(
        layers=28, kv_heads=4, head_size=128, context_length=32768, parameter_count=7_615_616_512),
        sizes={"Q4_K_M": 4_683_087_332, "Q8_0": 8_098_525_888}),
    TableModel(name="qwen2.5-coder:14b", architecture=Architecture(
        layers=48, kv_heads=8, head_size=128, context_length=32768,
        parameter_count=14_770_033_664),
        sizes={"Q4_K_M": 8_988_110_976, "Q8_0": 15_700_000_000}),
    TableModel(name="llama3.1:8b", architecture=Architecture(
        layers=32, kv_heads=8, head_size=128, context_length=131072,
        parameter_count=8_030_261_248),
        sizes={"Q4_K_M": 4_920_753_328, "Q8_0": 8_540_000_000}),
    TableModel(name="gemma3:12b", architecture=Architecture(
        layers=48, kv_heads=8, head_size=256, context_length=131072,
        parameter_count=12_187_325_040),
        sizes={"Q4_K_M": 8_149_190_253}),
]


def table_entry(name: str) -> TableModel | None:
    return next((m for m in MODEL_TABLE if m.name == name), None)
