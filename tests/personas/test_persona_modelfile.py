"""Modelfile export read back field by field, the parser port, and the /api/create body."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingle.personas.create_body import build_create_body
from ingle.personas.examples import Example
from ingle.personas.model import Persona
from ingle.personas.modelfile import ModelfileNotRepresentable, export_modelfile, modelfile_value
from ingle.personas.modelfile_parser import (
    ModelfileCommand,
    ModelfileSyntaxError,
    create_request,
    parse_modelfile,
)
from ingle.personas.registry import load_registry
from ingle.personas.resolved import ResolvedPersona

# --- the parser port behaves like Ollama's parser/parser.go ------------------------------
# Cases and expected results are the behaviour pinned by Ollama's own parser tests.


def commands(text: str) -> list[tuple[str, str]]:
    return [(c.name, c.args) for c in parse_modelfile(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('FROM "FOO  BAR  "', [("model", "FOO  BAR  ")]),
        ("FROM     FOOO BAR    ", [("model", "FOOO BAR")]),
        (
            "PARAMETER what the \nFROM lemons make lemonade ",
            [("what", "the"), ("model", "lemons make lemonade")],
        ),
        ("# comment\nFROM foo\n\t", [("model", "foo")]),
        (
            'FROM foo\nSYSTEM """\nThis is a\nmultiline system.\n"""\n\t\t\t',
            [("model", "foo"), ("system", "\nThis is a\nmultiline system.\n")],
        ),
        (
            'FROM foo\nSYSTEM """This is a\nmultiline system."""',
            [("model", "foo"), ("system", "This is a\nmultiline system.")],
        ),
        (
            'FROM foo\nSYSTEM """\nwith "quotes".\n"""\n',
            [("model", "foo"), ("system", '\nwith "quotes".\n')],
        ),
        ('FROM foo\nSYSTEM """"""\n', [("model", "foo"), ("system", "")]),
        ('FROM foo\nSYSTEM ""\n', [("model", "foo"), ("system", "")]),
        ('FROM foo\nSYSTEM "\'"\n', [("model", "foo"), ("system", "'")]),
        (
            'FROM foo\nSYSTEM """\'\'"\'""\'""\'"\'\'\'\'\'""\'""\'"""\n',
            [("model", "foo"), ("system", "''\"'\"\"'\"\"'\"'''''\"\"'\"\"'")],
        ),
        (
            'FROM foo\nMESSAGE system """\nYou are a multiline file parser.\n"""\n\t\t\t',
            [("model", "foo"), ("message", "system: \nYou are a multiline file parser.\n")],
        ),
        (
            "FROM foo\nMESSAGE user Hey there!\nMESSAGE assistant Hello, I parse!",
            [
                ("model", "foo"),
                ("message", "user: Hey there!"),
                ("message", "assistant: Hello, I parse!"),
            ],
        ),
        ("FROM foo\nPARAMETER stop ### User: \n", [("model", "foo"), ("stop", "### User:")]),
        ('FROM foo\nPARAMETER stop "### User: "\n', [("model", "foo"), ("stop", "### User: ")]),
        (
            'FROM foo\nPARAMETER stop """### User:\n"""\n',
            [("model", "foo"), ("stop", "### User:\n")],
        ),
        ("FROM foo\nPARAMETER stop </s>\n", [("model", "foo"), ("stop", "</s>")]),
    ],
)
def test_parser_port_matches_ollama(text: str, expected: list[tuple[str, str]]) -> None:
    assert commands(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no FROM line"),
        ("PARAMETER param1 value1", "no FROM line"),
        ("FROM foo\nPARAMETER param1\n", "unexpected EOF"),
        ("\nFROM foo\nBADCOMMAND param1 value1\n", "(line 3): command must be one of"),
        ("\nFROM foo\nMESSAGE badguy I'm a bad guy!\n", "(line 3): message role must be one of"),
        ("FROM foo\nMESSAGE system", "unexpected EOF"),
        ('FROM foo\nSYSTEM """This is a multiline system.""\n\t\t\t', "unexpected EOF"),
        ('FROM foo\nSYSTEM "\n\t\t\t', "unexpected EOF"),
    ],
)
def test_parser_port_errors_like_ollama(text: str, fragment: str) -> None:
    with pytest.raises(ModelfileSyntaxError) as caught:
        parse_modelfile(text)
    assert fragment in str(caught.value)


def test_parser_drops_unprintable_characters_but_keeps_tabs_and_newlines() -> None:
    assert commands('FROM foo\nSYSTEM """a\tb\x07c\nd"""') == [
        ("model", "foo"),
        ("system", "a\tbc\nd"),
    ]


def test_create_request_types_parameters_and_collects_stops() -> None:
    parsed = parse_modelfile(
        "FROM qwen3:8b\nPARAMETER temperature 0.1\nPARAMETER num_ctx 4096\n"
        "PARAMETER stop a\nPARAMETER stop b\nMESSAGE user hi\nMESSAGE assistant yes: really\n"
    )
    assert create_request(parsed) == {
        "from": "qwen3:8b",
        "parameters": {"temperature": 0.1, "num_ctx": 4096, "stop": ["a", "b"]},
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "yes: really"},
        ],
    }


def test_create_request_rejects_a_mistyped_parameter() -> None:
    with pytest.raises(ModelfileSyntaxError, match="num_ctx"):
        create_request(
            [ModelfileCommand(name="model", args="m"), ModelfileCommand(name="num_ctx", args="4k")]
        )


# --- export of the real built-ins, read back field by field --------------------------------


@pytest.mark.parametrize("name", sorted(load_registry(None).names()))
def test_builtin_export_reads_back_field_by_field(name: str) -> None:
    resolved = load_registry(None).get(name)
    persona = resolved.persona
    text = export_modelfile(resolved, num_ctx=12288)
    parsed = parse_modelfile(text)
    by_name: dict[str, list[str]] = {}
    for command in parsed:
        by_name.setdefault(command.name, []).append(command.args)
    assert by_name["model"] == [persona.model_ref.model]
    assert by_name["system"] == [resolved.system_prompt()]
    assert [float(v) for v in by_name["temperature"]] == [persona.temperature]
    assert [float(v) for v in by_name["top_p"]] == [persona.top_p]
    assert by_name.get("stop", []) == persona.stop
    assert by_name["num_ctx"] == ["12288"]
    expected_messages = []
    for example in resolved.examples:
        expected_messages += [f"user: {example.input}", f"assistant: {example.output}"]
    assert by_name["message"] == expected_messages
    assert set(by_name) == {"model", "system", "temperature", "top_p", "stop", "num_ctx", "message"}
    # What `ollama create -f` would send is exactly what `ingle persona register` sends.
    body = build_create_body(resolved, num_ctx=12288).to_json()
    assert body.pop("model") == name
    assert create_request(parsed) == body


# --- export of hostile content -----------------------------------------------------------------


def resolved_with(
    input_text: str, output_text: str, system: str = "You help.", **extra: object
) -> ResolvedPersona:
    persona = Persona(
        name="my-test",
        description="test",
        base_model="qwen3:8b@gpu2",
        task_kinds=["code"],
        role=system,
        examples=["code/tricky"],
        **extra,
    )
    example = Example(
        ref="code/tricky",
        kind="code",
        description="",
        input=input_text,
        output=output_text,
        path=Path("/lib/code/tricky.toml"),
    )
    return ResolvedPersona(
        persona=persona, examples=[example], source="user", path=Path("/u/my-test.toml")
    )


def exported_messages(resolved: ResolvedPersona) -> list[dict[str, str]]:
    return create_request(parse_modelfile(export_modelfile(resolved, 8192)))["messages"]


def test_multiline_messages_with_quotes_round_trip_exactly() -> None:
    tricky_input = 'Say "hi"\n\ttabbed line\nline ending in one quote "\nline ending in two ""'
    tricky_output = 'x = """inline triple""" + y\n  indented\r\nCRLF line\n"""starts a line'
    resolved = resolved_with(tricky_input, tricky_output, stop=['"""', "a b", " lead"])
    text = export_modelfile(resolved, 8192)
    request = create_request(parse_modelfile(text))
    assert request["messages"] == [
        {"role": "user", "content": tricky_input},
        {"role": "assistant", "content": tricky_output},
    ]
    assert request["parameters"]["stop"] == ['"""', "a b", " lead"]
    assert request["from"] == "qwen3:8b"  # the @endpoint pin is Ingle's, not Ollama's


def test_line_ending_in_triple_quotes_is_refused_with_where_and_what_to_do() -> None:
    docstring = 'def f():\n    """Return one."""\n    return 1'
    with pytest.raises(ModelfileNotRepresentable) as caught:
        export_modelfile(resolved_with("write f", docstring), 8192)
    message = str(caught.value)
    assert "code/tricky" in message and "assistant" in message
    assert "line 2" in message
    assert "ingle persona register" in message


def test_invisible_characters_are_refused() -> None:
    with pytest.raises(ModelfileNotRepresentable, match="U\\+0007"):
        export_modelfile(resolved_with("bell \x07 here", "ok"), 8192)


@given(st.text(alphabet=st.sampled_from(list("ab \"'\t\n\r#é")), max_size=40))
def test_any_value_reads_back_exactly_or_is_refused(value: str) -> None:
    try:
        quoted = modelfile_value(value, "value", block=True)
    except ModelfileNotRepresentable:
        return
    parsed = parse_modelfile(f"FROM m\nMESSAGE user {quoted}\n")
    assert parsed[1].args == f"user: {value}"


@given(st.text(alphabet=st.sampled_from(list("ab \"'\t\n#é")), max_size=40))
def test_values_without_a_quote_before_a_newline_are_never_refused(value: str) -> None:
    lines = value.split("\n")
    if any(line.rstrip(" \t").endswith('"') for line in lines[:-1]):
        return
    quoted = modelfile_value(value, "value", block=True)
    assert parse_modelfile(f"FROM m\nSYSTEM {quoted}\n")[1].args == value


# --- the /api/create body --------------------------------------------------------------------


def test_create_body_is_exactly_the_json_ollama_takes() -> None:
    resolved = resolved_with(
        "Q",
        "A",
        system="Be brief.",
        temperature=0.2,
        top_p=0.8,
        stop=["<|im_end|>"],
        constraints="- short",
    )
    assert build_create_body(resolved, 4096).to_json() == {
        "model": "my-test",
        "from": "qwen3:8b",
        "system": "ROLE:\nBe brief.\n\nCONSTRAINTS:\n- short",
        "parameters": {"temperature": 0.2, "top_p": 0.8, "stop": ["<|im_end|>"], "num_ctx": 4096},
        "messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
    }


def test_create_body_leaves_out_empty_stop_so_the_base_model_keeps_its_own() -> None:
    body = build_create_body(resolved_with("Q", "A"), 4096).to_json()
    assert "stop" not in body["parameters"]
    assert "PARAMETER stop" not in export_modelfile(resolved_with("Q", "A"), 4096)
