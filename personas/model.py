"""The persona: how a general local model becomes a specialist.

A persona is plain data: a base model, a skeleton system prompt (ROLE /
CONSTRAINTS / FORMAT), sampling settings, a thinking policy, references to
few-shot examples in the library and, for structured tasks, a JSON schema.
num_ctx is deliberately absent: it is a per-model setting, so that two personas
on one model never make Ollama reload it. `min_context` says what the persona
needs, and is checked against that setting.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal, get_args

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

TaskKind = Literal[
    "code",
    "frontend",
    "architecture",
    "review",
    "classification",
    "translation",
    "writing",
    # Summaries and conversation compaction (my-summarizer); the context-budget
    # work compacts history through a persona of this kind.
    "summary",
]
TASK_KINDS: tuple[str, ...] = get_args(TaskKind)

# `on` lets the server pick its default depth; a level asks for that depth.
ThinkMode = Literal["off", "on", "low", "medium", "high"]

# Persona names become Ollama model names on `register`, so they follow its rules
# (lower case here, to avoid two personas differing only by case).
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
# An Ollama model name ([host/][namespace/]model[:tag], optionally pinned to a
# digest with `@sha256:...`), optionally pinned to a configured endpoint with `@endpoint`.
MODEL_REF_PATTERN = re.compile(
    r"^(?P<model>[A-Za-z0-9][A-Za-z0-9._/-]*(?::[A-Za-z0-9._-]+)?(?:@sha256:[0-9a-f]{64})?)"
    r"(?:@(?P<endpoint>[A-Za-z0-9_.-]+))?$"
)
EXAMPLE_REF_PATTERN = re.compile(r"^(?P<kind>[a-z]+)/(?P<name>[a-z0-9][a-z0-9._-]*)$")


class _Strict(BaseModel):
    # A misspelt key in a persona file is an error naming the key, never ignored.
    model_config = ConfigDict(extra="forbid")


class ModelRef(BaseModel):
    """`qwen3:8b@gpu2` split into the Ollama model name and the endpoint it is pinned to."""

    model_config = ConfigDict(frozen=True)

    model: str
    endpoint: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        match = MODEL_REF_PATTERN.match(text)
        if not match:
            raise ValueError(
                f"'{text}' is not a model name; write it as Ollama does "
                "(e.g. 'qwen3:8b'), optionally with '@endpoint' (e.g. 'qwen3:8b@local')"
            )
        return cls(model=match["model"], endpoint=match["endpoint"])

    def __str__(self) -> str:
        return f"{self.model}@{self.endpoint}" if self.endpoint else self.model


class ThinkPolicy(_Strict):
    """Thinking for the first attempt and for a retry after a failure.

    The user's measurements: thinking is 67-88% of generated tokens, so the
    default is off with thinking on for the retry.
    """

    first: ThinkMode = "off"
    retry: ThinkMode = "on"

    def setting(self, *, retry: bool = False) -> bool | str:
        """The wire value of Ollama's `think` field: False, True or a level."""
        mode = self.retry if retry else self.first
        if mode == "off":
            return False
        if mode == "on":
            return True
        return mode


class Persona(_Strict):
    name: str
    description: str = Field(min_length=1)
    version: int = Field(1, ge=1, description="bump when the prompt or settings change")
    base_model: str = Field(description="Ollama model name, optionally '@endpoint'")
    fallback_models: list[str] = Field(default_factory=list)
    # Other models the same persona is meant to run on (A/B, recommend, `--model`); the
    # persona is not welded to one model.
    candidate_models: list[str] = Field(default_factory=list)
    task_kinds: list[TaskKind] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    temperature: float = Field(0.3, ge=0.0, le=2.0)
    top_p: float = Field(0.9, gt=0.0, le=1.0)
    stop: list[str] = Field(default_factory=list)
    think: ThinkPolicy = Field(default_factory=ThinkPolicy)
    min_context: int = Field(
        4096, ge=512, le=1_048_576, description="the smallest num_ctx it needs"
    )
    examples: list[str] = Field(default_factory=list, description="'kind/name' in the library")
    json_schema: dict[str, Any] | None = None
    role: str = Field(min_length=1)
    constraints: str = ""
    format: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_PATTERN.match(value):
            raise ValueError(
                "use lower-case letters, digits, '.', '_' and '-' (it becomes an Ollama model name)"
            )
        return value

    @field_validator("base_model")
    @classmethod
    def _base_model(cls, value: str) -> str:
        ModelRef.parse(value)
        return value

    @field_validator("fallback_models", "candidate_models")
    @classmethod
    def _fallbacks(cls, value: list[str]) -> list[str]:
        for item in value:
            ModelRef.parse(item)
        return value

    @field_validator("stop")
    @classmethod
    def _stop(cls, value: list[str]) -> list[str]:
        if any(not item for item in value):
            raise ValueError("an empty stop sequence would end every reply at once")
        return value

    @field_validator("examples")
    @classmethod
    def _example_refs(cls, value: list[str]) -> list[str]:
        for ref in value:
            match = EXAMPLE_REF_PATTERN.match(ref)
            if not match:
                raise ValueError(f"'{ref}' is not an example reference; write 'kind/name'")
            if match["kind"] not in TASK_KINDS:
                raise ValueError(
                    f"'{ref}': '{match['kind']}' is not a task kind ({', '.join(TASK_KINDS)})"
                )
        return value

    @field_validator("role", "constraints", "format")
    @classmethod
    def _section_text(cls, value: str, info: ValidationInfo) -> str:
        # Surrounding blank lines are layout, not content; stripping them keeps
        # TOML -> model -> TOML exact whatever the file's line breaks.
        value = value.strip()
        if info.field_name == "role" and not value:
            raise ValueError("empty; every persona needs a ROLE")
        return value

    @field_validator("json_schema", mode="before")
    @classmethod
    def _schema_from_text(cls, value: Any) -> Any:
        # Files carry the schema as JSON text (TOML has no null) or as a table.
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
                ) from exc
        return value

    @field_validator("json_schema")
    @classmethod
    def _schema_is_valid(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        checker = jsonschema.validators.validator_for(
            value, default=jsonschema.Draft202012Validator
        )
        try:
            checker.check_schema(value)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
            raise ValueError(f"not a valid JSON schema at {where}: {exc.message}") from exc
        return value

    @property
    def model_ref(self) -> ModelRef:
        return ModelRef.parse(self.base_model)

    @property
    def fallback_refs(self) -> list[ModelRef]:
        return [ModelRef.parse(item) for item in self.fallback_models]

    def models(self) -> list[str]:
        """Every model this persona may run on: the base model first, then candidates."""
        seen = [self.base_model]
        for item in self.candidate_models:
            if item not in seen:
                seen.append(item)
        return seen

    def content_hash(self) -> str:
        """sha256 of the persona's content. `version` is left out: it is the number the
        store gives the content, not part of it."""
        data = self.model_dump(mode="json", exclude={"version"})
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
