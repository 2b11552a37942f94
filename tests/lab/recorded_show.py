"""/api/show `model_info` as Ollama reports it for the two models of the 12 GB case
(the GGUF metadata of the library's qwen3:14b and qwen3:8b, Q4_K_M)."""

QWEN3_14B = {
    "general.architecture": "qwen3",
    "general.parameter_count": 14_768_307_200,
    "qwen3.block_count": 40,
    "qwen3.context_length": 40960,
    "qwen3.embedding_length": 5120,
    "qwen3.feed_forward_length": 17408,
    "qwen3.attention.head_count": 40,
    "qwen3.attention.head_count_kv": 8,
    "qwen3.attention.key_length": 128,
    "qwen3.attention.value_length": 128,
}

QWEN3_8B = {
    "general.architecture": "qwen3",
    "general.parameter_count": 8_190_735_360,
    "qwen3.block_count": 36,
    "qwen3.context_length": 40960,
    "qwen3.embedding_length": 4096,
    "qwen3.feed_forward_length": 12288,
    "qwen3.attention.head_count": 32,
    "qwen3.attention.head_count_kv": 8,
    "qwen3.attention.key_length": 128,
    "qwen3.attention.value_length": 128,
}
