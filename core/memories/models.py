"""What the memory service returns: rows from memory/, plus reports of its pipelines."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ingle.memory.corrections import CorrectionRow, RuleRow
from ingle.memory.memories import KINDS, HistoryRow, Kind, MemoryRow

__all__ = [
    "KINDS", "AddResult", "CoreBlock", "CorrectionRow", "ExtractionReport", "HistoryRow",
    "Kind", "MemoryLimits", "MemoryRow", "RuleCandidate", "RuleRow", "ScoredMemory",
    "ConsolidationReport",
]


class MemoryLimits(BaseModel):
    """Per-persona caps and the read path's sizes."""

    max_count: int = Field(1000, ge=1)  # active memories per persona
    core_chars: int = Field(1500, ge=100)  # the pinned core block's hard budget
    inject: int = Field(5, ge=0)  # memories injected per turn
    per_turn: int = Field(5, ge=1)  # memories the write path may add per turn
    max_chars: int = Field(400, ge=20)  # one memory's length
    archive_after_days: int = Field(90, ge=1)  # never-used memories archived after this


class AddResult(BaseModel):
    memory: MemoryRow
    created: bool  # False: the same memory was already there
    archived: list[int] = Field(default_factory=list)  # archived to stay within the cap


class CoreBlock(BaseModel):
    persona: str
    memories: list[MemoryRow]
    used_chars: int
    budget_chars: int

    @property
    def fill(self) -> str:
        return f"{self.used_chars}/{self.budget_chars} chars"


class ScoredMemory(BaseModel):
    memory: MemoryRow
    score: float  # higher is better
    bm25: float = 0.0  # the FTS5 score, normalised to 0..1 within the candidates
    similarity: float | None = None  # cosine, when an embedder was used


class ExtractionReport(BaseModel):
    persona: str
    added: list[MemoryRow] = Field(default_factory=list)
    superseded: list[int] = Field(default_factory=list)
    dropped: list[tuple[str, str]] = Field(default_factory=list)  # (text, why)
    error: str = ""


class ConsolidationReport(BaseModel):
    persona: str
    groups: int = 0
    merged: list[MemoryRow] = Field(default_factory=list)
    superseded: list[int] = Field(default_factory=list)
    archived: list[int] = Field(default_factory=list)
    error: str = ""


class RuleCandidate(BaseModel):
    """Consistent corrections of one pattern: offer them as a deterministic rule."""

    domain: str
    pattern: str
    output: str
    support: int
    examples: list[str]  # the corrected inputs
