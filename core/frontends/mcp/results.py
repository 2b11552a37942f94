"""What the tools return. Pydantic models, so each tool advertises an output schema.

Every result carries `usage`: which local model did the work, the tokens it read and
wrote (hidden thinking counted apart) and the time it took, so the calling agent can
see what it did not have to spend itself.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

GateOutcome = Literal["passed", "failed", "not_applicable", "could_not_run"]


class ModelCallUsage(BaseModel):
    """One request to a local model."""

    model: str = Field(description="the model that answered, e.g. qwen3:8b")
    endpoint: str = Field(description="the configured endpoint it ran on")
    think: bool | str = Field(description="the thinking setting sent (false, true or a level)")
    prompt_tokens: int = Field(ge=0, description="tokens the model read")
    output_tokens: int = Field(ge=0, description="tokens it generated, hidden thinking included")
    thinking_tokens: int = Field(ge=0, description="the part of output_tokens that was thinking")
    duration_s: float = Field(ge=0, description="wall time of the call")


class ToolUsage(BaseModel):
    """Totals over every model call one tool call made."""

    persona: str = Field(description="the persona that did the work")
    model: str = Field(description="the model of the last call")
    prompt_tokens: int = Field(0, ge=0)
    output_tokens: int = Field(0, ge=0, description="hidden thinking included")
    thinking_tokens: int = Field(0, ge=0)
    duration_s: float = Field(0.0, ge=0, description="wall time of the whole tool call")
    calls: list[ModelCallUsage] = Field(default_factory=list)
    warnings: list[str] = Field(
        default_factory=list, description="e.g. the prompt was cut to fit the context window"
    )


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


class Classification(BaseModel):
    label: str = Field(description="one of the labels given, exactly as spelt")
    confidence: float = Field(ge=0, le=1, description="the model's own estimate; not calibrated")
    reason: str = Field(description="one short sentence")
    usage: ToolUsage


class Summary(BaseModel):
    summary: str
    words: int = Field(ge=0, description="words in the summary")
    within_limit: bool = Field(description="false when the model overran max_words")
    usage: ToolUsage


class Translation(BaseModel):
    translation: str
    target_language: str
    source_language: str = Field(description="as given, or 'auto' when the model detected it")
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
