"""Events the memory service publishes on the workbench's bus (the panes subscribe)."""

from __future__ import annotations

from pydantic import BaseModel


class MemoryChanged(BaseModel):
    """A memory was added, superseded, archived, restored, pinned or edited."""

    persona: str
    memory_id: int
    op: str
    actor: str


class MemoriesExtracted(BaseModel):
    """The background write path finished one turn."""

    persona: str
    added: list[int]
    superseded: list[int]
    dropped: int


class ConsolidationDone(BaseModel):
    persona: str
    merged: int
    superseded: int
    archived: int
