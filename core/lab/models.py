"""What the persona lab returns: plain pydantic models the CLI prints and the pane shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

ExportFormat = Literal["modelfile", "ollama-json", "claude-agent"]
EXPORT_FORMATS: tuple[str, ...] = ("modelfile", "ollama-json", "claude-agent")


class PersonaSummary(BaseModel):
    """One persona in a list: its current version, models and where it comes from."""

    name: str
    description: str
    version: int | None
    content_hash: str
    versions: int
    models: list[str]
    task_kinds: list[str]
    source: Literal["builtin", "user"]
    path: Path
    overrides: Path | None = None


class CheckReport(BaseModel):
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    usable: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class ExportResult(BaseModel):
    name: str
    version: int | None
    format: ExportFormat
    text: str
    warnings: list[str] = Field(default_factory=list)
    # Where it would go by convention: `.claude/agents/NAME.md` for Claude Code.
    suggested_path: str


class ParameterMismatch(BaseModel):
    """A field whose read-back value differs from what was sent on /api/create."""

    field: str
    sent: Any
    read_back: Any


class RegisterReport(BaseModel):
    model: str
    endpoint: str
    from_model: str
    num_ctx: int
    version: int | None
    verified: bool
    mismatches: list[ParameterMismatch] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class NewPersonaResult(BaseModel):
    path: Path
    source: str
    overrides_builtin: bool
