"""The Persona model: validation, TOML round trips, rendering order, think policy."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ingle.personas.examples import Example
from ingle.personas.model import ModelRef, Persona, ThinkPolicy
from ingle.personas.prompt import render_system_prompt
from ingle.personas.resolved import ResolvedPersona
from ingle.personas.toml_io import persona_from_toml, persona_to_toml, toml_text

SCHEMA = {
    "type": "object",
    "properties": {"label": {"type": "string"}, "score": {"type": ["number", "null"]}},
    "required": ["label"],
}


def make(**overrides: object) -> Persona:
    data: dict[str, object] = {
        "name": "my-test",
        "description": "a test persona",
        "base_model": "qwen3:8b",
        "task_kinds": ["code"],
        "role": "You write code.",
        "constraints": "- Be correct.",
        "format": "SEARCH/REPLACE blocks.",
    }
    data.update(overrides)
    return Persona.model_validate(data)


def test_full_persona_round_trips_through_toml_exactly() -> None:
    persona = make(
        version=3,
        base_model="qwen3:8b@gpu2",
        fallback_models=["qwen2.5-coder:7b", "qwen3:14b@local"],
        task_kinds=["code", "review"],
        tags=["go", "café"],
        temperature=0.1,
        top_p=0.95,
        stop=["<|im_end|>", "\n\nUser:", 'say "hi"', "back\\slash", "tab\there"],
        think={"first": "off", "retry": "high"},
        min_context=8192,
        examples=["code/one", "review/two"],
        json_schema=SCHEMA,
        role="Line one.\n\n  indented line with 'quotes' and \"double\" and ''' triple",
        constraints="- a\n- b ending with a quote'",
        format="```\nfenced\n```",
    )
    text = persona_to_toml(persona)
    again = persona_from_toml(text)
    assert again == persona
    # Writing the reloaded persona gives the same bytes: the format is canonical.
    assert persona_to_toml(again) == text


def test_written_file_is_readable_toml_with_prompts_as_text_blocks() -> None:
    text = persona_to_toml(make(role="First line.\nSecond line."))
    assert "role = '''\nFirst line.\nSecond line.\n'''" in text
    data = tomllib.loads(text)
    assert data["think"] == {"first": "off", "retry": "on"}
    assert "json_schema" not in data


def test_schema_is_written_as_json_text_and_null_survives() -> None:
    schema = {"type": "object", "properties": {"x": {"default": None}}}
    again = persona_from_toml(persona_to_toml(make(json_schema=schema)))
    assert again.json_schema == schema


def test_schema_may_also_be_a_toml_table() -> None:
    text = persona_to_toml(make()) + '\n[json_schema]\ntype = "object"\nrequired = ["a"]\n'
    assert persona_from_toml(text).json_schema == {"type": "object", "required": ["a"]}


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_any_text_survives_toml_text_blocks(text: str) -> None:
    value = tomllib.loads(f"v = {toml_text(text)}")["v"]
    # Literal blocks gain the newline before the closing quotes; the model strips it.
    assert value in (text, text + "\n")


def test_prompt_sections_are_stripped_of_surrounding_blank_lines() -> None:
    assert make(role="\n\n  Role text.  \n\n").role == "Role text."


def test_rendering_order_is_role_constraints_format_under_headings() -> None:
    prompt = render_system_prompt(make())
    assert prompt == (
        "ROLE:\nYou write code.\n\nCONSTRAINTS:\n- Be correct.\n\nFORMAT:\nSEARCH/REPLACE blocks."
    )


def test_rendering_leaves_out_empty_sections() -> None:
    assert render_system_prompt(make(constraints="", format="")) == "ROLE:\nYou write code."


def test_chat_messages_put_examples_between_system_and_user() -> None:
    example = Example(
        ref="code/one", kind="code", description="", input="Q1", output="A1", path="/x/one.toml"
    )
    resolved = ResolvedPersona(
        persona=make(examples=["code/one"]),
        examples=[example],
        source="builtin",
        path="/x/my-test.toml",
    )
    messages = resolved.chat_messages("the task")
    assert [(m.role, m.content) for m in messages] == [
        ("system", render_system_prompt(resolved.persona)),
        ("user", "Q1"),
        ("assistant", "A1"),
        ("user", "the task"),
    ]
    sampling = resolved.sampling()
    assert (sampling.temperature, sampling.top_p, sampling.stop) == (0.3, 0.9, [])


@pytest.mark.parametrize(
    ("policy", "first", "retry"),
    [
        ({"first": "off", "retry": "on"}, False, True),
        ({"first": "on", "retry": "on"}, True, True),
        ({"first": "low", "retry": "high"}, "low", "high"),
        ({"first": "off", "retry": "off"}, False, False),
    ],
)
def test_think_policy_wire_values(policy: dict, first: object, retry: object) -> None:
    think = ThinkPolicy.model_validate(policy)
    assert think.setting() == first
    assert think.setting(retry=True) == retry


def test_model_reference_with_endpoint() -> None:
    persona = make(base_model="qwen3:8b@gpu2")
    assert persona.model_ref == ModelRef(model="qwen3:8b", endpoint="gpu2")
    assert make().model_ref == ModelRef(model="qwen3:8b", endpoint=None)
    digest = "qwen3:8b@sha256:" + "a" * 64
    assert ModelRef.parse(digest) == ModelRef(model=digest, endpoint=None)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "My Coder"}, "name", "lower-case"),
        ({"base_model": "qwen3 8b"}, "base_model", "not a model name"),
        ({"fallback_models": ["ok:1", "bad model"]}, "fallback_models", "not a model name"),
        ({"task_kinds": ["cooking"]}, "task_kinds", "code"),
        ({"task_kinds": []}, "task_kinds", "at least 1"),
        ({"temperature": 3}, "temperature", "less than or equal to 2"),
        ({"stop": [""]}, "stop", "empty stop"),
        ({"examples": ["noslash"]}, "examples", "kind/name"),
        ({"examples": ["cooking/pasta"]}, "examples", "not a task kind"),
        ({"think": {"first": "maybe"}}, "think", "off"),
        ({"json_schema": "{not json"}, "json_schema", "not valid JSON"),
        ({"json_schema": {"type": "objekt"}}, "json_schema", "not a valid JSON schema"),
        (
            {"json_schema": {"properties": {"a": {"minimum": "0"}}}},
            "json_schema",
            "properties/a/minimum",
        ),
        ({"role": "   "}, "role", "needs a ROLE"),
        ({"min_context": 100}, "min_context", "greater than or equal to 512"),
    ],
)
def test_invalid_values_are_rejected_with_the_field(
    overrides: dict, field: str, fragment: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(**overrides)
    errors = caught.value.errors()
    assert errors[0]["loc"][0] == field
    assert fragment in str(caught.value)


def test_unknown_field_is_an_error() -> None:
    with pytest.raises(ValidationError) as caught:
        make(temprature=0.1)
    assert caught.value.errors()[0]["type"] == "extra_forbidden"
