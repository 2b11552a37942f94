"""`[memories]` settings: whether turns use memories, the per-persona caps, how many are
injected, the embedding backend, when unused memories are archived, who extracts."""

from __future__ import annotations

import importlib.util
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class MemorySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="memories read into turns and `ingle ask --persona`, "
                                            "and extracted after turns")
    max_count: int = Field(1000, ge=1, le=1_000_000,
                           description="active memories per persona; past it the least used are archived")
    core_chars: int = Field(1500, ge=100, le=100_000,
                            description="the pinned core block's character budget per persona")
    inject: int = Field(5, ge=0, le=50, description="relevant memories injected per turn")
    per_turn: int = Field(5, ge=1, le=20, description="memories the write path may add per turn")
    # Declared before `embedding` so that its check can see the model.
    embedding_model: str = Field("", description="the embedding model, e.g. nomic-embed-text")
    embedding_endpoint: str | None = Field(None, description="ollama: the endpoint (default: the first)")
    embedding: Literal["none", "ollama", "local"] = Field(
        "none", description="embeddings re-rank BM25's candidates: none, ollama or local "
                            "(sentence-transformers)")
    embedding_weight: float = Field(0.2, ge=0, le=1, description="the embedding's share of the score")
    archive_after_days: int = Field(90, ge=1, le=36_500,
                                    description="never-used memories archived after this many days")
    extractor: str = Field("my-summarizer", min_length=1,
                           description="the small local persona that proposes memories")
    debounce_s: float = Field(30.0, ge=0, le=3600,
                              description="quiet time after a turn before memories are extracted")
    extract_timeout_s: float = Field(60.0, gt=0, le=3600,
                                     description="batch: how long the exit waits for extraction")

    @field_validator("embedding")
    @classmethod
    def _backend_ready(cls, value: str, info: ValidationInfo) -> str:
        if value != "none" and not info.data.get("embedding_model"):
            raise ValueError(f'embedding = "{value}" needs embedding_model '
                             '(e.g. embedding_model = "nomic-embed-text"), or use "none"')
        if value == "local" and importlib.util.find_spec("sentence_transformers") is None:
            raise ValueError('embedding = "local" needs the sentence-transformers package '
                             '(pip install sentence-transformers), or use "ollama" or "none"')
        return value

    def embedder_spec(self) -> str:
        """The spec core/memories/retrieve.embedder_for takes."""
        if self.embedding == "ollama":
            return f"ollama:{self.embedding_model}" + (
                f"@{self.embedding_endpoint}" if self.embedding_endpoint else "")
        if self.embedding == "local":
            return f"local:{self.embedding_model}"
        return "none"
