"""What the tools return. Pydantic models, so each tool advertises an output schema.

Every result carries `usage`: which local model did the work, the tokens it read and
wrote (hidden thinking counted apart) and the time it took, so the calling agent can
see what it did not have to spend itself.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from ingle.core.backends.meter import ModelCallUsage, ToolUsage
from ingle.core.texttools.models import Classification, Summary, Translation

__all__ = [
    "Classification", "GateReport", "GeneratedCode", "ModelCallUsage", "PersonaAnswer",
    "PersonaInfo", "PersonaList", "Summary", "ToolUsage", "Translation",
]

GateOutcome = Literal["passed", "failed", "not_applicable", "could_not_run"]


class GateReport(BaseModel):
    """One check the generated code went through."""

    gate: str = Field(description="python, go, java, javascript, typescript or browser")
    status: GateOutcome
    detail: str = Field("", description="what ran, or why it could not run")
    diagnostics: list[str] = Field(
        default_factory=list, description="the tool's findings, one per line: place, rule, message"
    )
    install_hint: str = Field("", description="how to get the missing tool (could_not_run)")


class GeneratedCode(BaseModel):
    code: str = Field(description="the code, without Markdown fences")
    language: str
    passed: bool = Field(description="no gate found an error in the final code")
    checked: bool = Field(
        description="at least one gate actually ran; false means nobody verified the code "
        "(no gate for this language, or its tool is missing)"
    )
    attempts: int = Field(ge=1, description="1, or 2 when the first answer failed and was retried")
    gates: list[GateReport] = Field(default_factory=list, description="gates on the final code")
    notes: str = Field("", description="what the model wrote outside the code block, if anything")
    usage: ToolUsage


class PersonaAnswer(BaseModel):
    persona: str
    answer: str = Field(description="the reply text")
    data: Any = Field(
        None, description="for a persona with a JSON schema: the reply parsed and validated"
    )
    usage: ToolUsage


class PersonaInfo(BaseModel):
    name: str
    description: str
    model: str = Field(description="base model, with '@endpoint' when pinned")
    task_kinds: list[str]
    tags: list[str] = Field(default_factory=list)
    structured: bool = Field(description="replies follow a JSON schema (see ask_persona.data)")
    source: Literal["builtin", "user"]


class PersonaList(BaseModel):
    personas: list[PersonaInfo]
    problems: list[str] = Field(
        default_factory=list, description="persona files that could not be loaded, and why"
    )
