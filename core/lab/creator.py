"""The persona creator: an interview in which, after every answer, a creator persona
proposes the whole persona through one schema-bound call; rules fill the fields the seed's
measurements decide; fields the user edited directly are kept when the model proposes again.

Decided by the model: name, description, task kind, ROLE / CONSTRAINTS / FORMAT, tags, and
the reply's JSON schema for a structured persona. Decided by rules: temperature by task kind
(0.1 code and classification, 0.3 general, 0.7 creative), the think policy (off, on for a
retry: thinking is 67-88% of tokens), the base model (the configured role for the kind),
stop sequences (none: the model's template ends turns), and few-shot examples from the
library (those whose output follows the persona's schema).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from pydantic import BaseModel, Field, ValidationError

from ingle.core.backends.calls import PersonaCaller
from ingle.core.config.settings import Settings
from ingle.personas.examples import ExampleLibrary
from ingle.personas.model import NAME_PATTERN, TASK_KINDS, Persona
from ingle.personas.resolved import ResolvedPersona

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("role", "What should this persona do? (its role)"),
    ("domain", "In what domain or project?"),
    ("languages", "Which languages, programming or human?"),
    ("format", "What should its answers look like? (free text, a diff, JSON with which fields)"),
    ("good", "An example of a good answer:"),
    ("bad", "An example of a bad answer, and why:"),
)
TEMPERATURE_BY_KIND = {
    "code": 0.1, "frontend": 0.1, "review": 0.1, "classification": 0.1,
    "architecture": 0.3, "translation": 0.3, "summary": 0.3, "writing": 0.7,
}
MODEL_FIELDS = ("name", "description", "task_kinds", "tags", "role", "constraints", "format",
                "json_schema")
RULE_FIELDS = ("base_model", "temperature", "top_p", "stop", "think", "min_context", "examples")
MAX_EXAMPLES = 2

PROPOSAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "description", "task_kind", "role", "constraints", "format",
                 "structured"],
    "properties": {
        "name": {"type": "string", "pattern": NAME_PATTERN.pattern},
        "description": {"type": "string", "minLength": 1},
        "task_kind": {"type": "string", "enum": list(TASK_KINDS)},
        "tags": {"type": "array", "items": {"type": "string"}},
        "role": {"type": "string", "minLength": 1},
        "constraints": {"type": "string"},
        "format": {"type": "string"},
        "structured": {"type": "boolean"},
        "json_schema": {"type": "string", "description": "the reply's JSON schema, as JSON text"},
    },
}

CREATOR_ROLE = """You design personas for local language models: a persona is a system prompt
(ROLE, CONSTRAINTS, FORMAT) plus settings. From the user's answers so far, propose the whole
persona as JSON. Keep ROLE to two sentences, CONSTRAINTS as short '- ' rules, FORMAT exact.
When answers must be machine-readable, set structured=true and give the reply's JSON schema
as JSON text in json_schema."""


class FieldChange(BaseModel):
    field: str
    old: Any = None
    new: Any = None


class Proposal(BaseModel):
    persona: Persona
    changes: list[FieldChange] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class CreatorSession:
    """One interview. `answer()` records an answer and asks the model for a new proposal;
    `edit()` sets a field directly (kept from then on); `current` is the latest proposal."""

    def __init__(self, caller: PersonaCaller, creator: ResolvedPersona, settings: Settings,
                 library: ExampleLibrary) -> None:
        self.caller = caller
        self.creator = creator
        self.settings = settings
        self.library = library
        self.answers: list[tuple[str, str]] = []
        self.edits: dict[str, Any] = {}
        self.current: Persona | None = None
        self.proposals: list[Proposal] = []

    def next_question(self) -> tuple[str, str] | None:
        asked = {key for key, _ in self.answers}
        return next(((k, q) for k, q in QUESTIONS if k not in asked), None)

    async def answer(self, key: str, text: str) -> Proposal:
        self.answers.append((key, text))
        prompt = "\n".join(f"{key}: {value}" for key, value in self.answers)
        if self.current is not None:
            prompt += "\n\nThe current proposal (improve it):\n" + self.current.model_dump_json(
                include=set(MODEL_FIELDS))
        result = await self.caller.call(self.creator, prompt, task_kind="writing",
                                        json_schema=PROPOSAL_SCHEMA, think=False)
        return self._adopt(build_persona(result.parsed_json, self.settings, self.library,
                                         self.edits))

    def edit(self, field: str, value: Any) -> Proposal:
        """A direct edit of any field; the model's later proposals keep it."""
        if field not in Persona.model_fields:
            raise KeyError(f"'{field}' is not a persona field")
        base = self.current.model_dump() if self.current else None
        if base is None:
            raise ValueError("there is no proposal to edit yet; answer the first question")
        self.edits[field] = value
        persona = Persona.model_validate({**base, field: value})
        return self._adopt(Proposal(persona=persona, notes=[f"{field} set by you"]))

    def _adopt(self, proposal: Proposal) -> Proposal:
        proposal.changes = diff_personas(self.current, proposal.persona)
        self.current = proposal.persona
        self.proposals.append(proposal)
        return proposal


def creator_persona(base: ResolvedPersona) -> ResolvedPersona:
    """The creator: the generalist's model with the creator's own prompt."""
    persona = base.persona.model_copy(update={
        "name": "persona-creator", "description": "designs personas", "role": CREATOR_ROLE,
        "constraints": "", "format": "JSON following the given schema.", "json_schema": None,
        "temperature": 0.3, "examples": [],
    })
    return base.model_copy(update={"persona": persona, "examples": []})


def build_persona(raw: dict[str, Any], settings: Settings, library: ExampleLibrary,
                  edits: dict[str, Any] | None = None) -> Proposal:
    """A valid Persona from the model's proposal plus the rules plus the user's edits."""
    notes: list[str] = []
    kind = raw["task_kind"]
    schema: dict[str, Any] | None = None
    if raw.get("structured"):
        schema, problem = _schema(raw.get("json_schema"))
        if problem:
            notes.append(f"the proposed json_schema was unusable ({problem}); using an object")
    data: dict[str, Any] = {
        "name": raw["name"], "description": raw["description"], "version": 1,
        "task_kinds": [kind], "tags": list(raw.get("tags") or []),
        "role": raw["role"], "constraints": raw.get("constraints", ""),
        "format": raw.get("format", ""), "json_schema": schema,
        "base_model": settings.roles.get(kind) or settings.roles.get("code", "qwen3:8b"),
        "temperature": TEMPERATURE_BY_KIND[kind], "top_p": 0.9, "stop": [],
        "think": {"first": "off", "retry": "on"}, "min_context": 4096,
        "examples": _examples(kind, schema, library),
    }
    data.update(edits or {})
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"the proposal is not a valid persona: {field}: {first['msg']}") from exc
    return Proposal(persona=persona, notes=notes)


def _schema(text: Any) -> tuple[dict[str, Any], str]:
    fallback = {"type": "object"}
    if not isinstance(text, str) or not text.strip():
        return fallback, "none given"
    try:
        schema = json.loads(text)
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except (json.JSONDecodeError, jsonschema.SchemaError, TypeError) as exc:
        return fallback, str(exc).splitlines()[0]
    return (schema, "") if isinstance(schema, dict) else (fallback, "not an object")


def _examples(kind: str, schema: dict[str, Any] | None, library: ExampleLibrary) -> list[str]:
    """Library examples of the kind; for a structured persona only those that follow its
    schema (an example in another shape would teach the wrong one)."""
    chosen = []
    for example in sorted(library.for_kind(kind), key=lambda e: e.ref):
        if schema is not None:
            try:
                jsonschema.validate(json.loads(example.output), schema)
            except (json.JSONDecodeError, jsonschema.ValidationError):
                continue
        chosen.append(example.ref)
    return chosen[:MAX_EXAMPLES]


def diff_personas(old: Persona | None, new: Persona) -> list[FieldChange]:
    """Field by field, what changed between two proposals (every set field for the first)."""
    before = old.model_dump(mode="json") if old else {}
    after = new.model_dump(mode="json")
    return [FieldChange(field=k, old=before.get(k), new=v) for k, v in after.items()
            if before.get(k) != v and not (old is None and v in (None, "", []))]
