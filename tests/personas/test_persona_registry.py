"""The registry: the real built-in set, user overrides, and every broken-file case."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ingle.personas.model import TASK_KINDS
from ingle.personas.problems import FileProblem
from ingle.personas.registry import PersonaRegistry, UnknownPersona, load_registry

BUILTIN_NAMES = {
    "my-coder",
    "my-frontend",
    "my-architect",
    "my-reviewer",
    "my-classifier",
    "my-translator",
    "my-writer",
    "my-generalist",
    "my-summarizer",
    "my-bookkeeper",
}
CODING = ("my-coder", "my-frontend", "my-generalist")

PERSONA = """\
name = "{name}"
description = "test persona {name}"
base_model = "qwen3:8b"
task_kinds = ["code"]
examples = [{examples}]
role = "You are {name}."
"""
EXAMPLE = """\
description = "an example"
input = "question {n}"
output = "answer {n}"
"""


def write_persona(
    directory: Path, name: str, examples: str = '"code/shared"', extra: str = ""
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.toml"
    path.write_text(PERSONA.format(name=name, examples=examples) + extra, encoding="utf-8")
    return path


def write_example(root: Path, ref: str, n: int = 1, text: str | None = None) -> Path:
    path = root / f"{ref}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else EXAMPLE.format(n=n), encoding="utf-8")
    return path


@pytest.fixture
def dirs(tmp_path: Path) -> dict[str, Path]:
    found = {
        "builtin": tmp_path / "builtin",
        "examples": tmp_path / "examples",
        "user": tmp_path / "user",
    }
    write_example(found["examples"], "code/shared")
    write_persona(found["builtin"], "my-one")
    write_persona(found["builtin"], "my-two")
    return found


def load(dirs: dict[str, Path]) -> PersonaRegistry:
    return load_registry(
        dirs["user"], builtin_dir=dirs["builtin"], builtin_examples=dirs["examples"]
    )


# --- the real built-in set -------------------------------------------------------------


def test_builtin_set_loads_without_problems() -> None:
    registry = load_registry(None)
    assert registry.problems == []
    assert set(registry.names()) == BUILTIN_NAMES
    for name in registry.names():
        resolved = registry.get(name)
        assert resolved.source == "builtin"
        assert len(resolved.examples) >= 2, name
        assert resolved.persona.role and resolved.persona.constraints and resolved.persona.format


def test_builtin_settings_follow_the_plan() -> None:
    registry = load_registry(None)
    coder = registry.get("my-coder").persona
    assert (coder.base_model, coder.temperature, coder.think.first) == ("qwen3:8b", 0.1, "off")
    architect = registry.get("my-architect").persona
    assert (architect.base_model, architect.think.first, architect.think.retry) == (
        "qwen3:14b",
        "off",
        "on",
    )
    # qwen3:14b runs with num_ctx 4096, so the architect must fit in it.
    assert architect.min_context <= 4096
    assert registry.get("my-writer").persona.temperature == 0.7
    assert registry.get("my-classifier").persona.base_model == "qwen3:4b"
    assert registry.get("my-summarizer").persona.task_kinds == ["summary"]
    assert registry.get("my-summarizer").persona.json_schema is None
    for structured in ("my-reviewer", "my-classifier"):
        assert registry.get(structured).persona.json_schema is not None


def test_schema_bound_builtin_examples_follow_their_schema() -> None:
    registry = load_registry(None)
    for name in ("my-reviewer", "my-classifier"):
        resolved = registry.get(name)
        for example in resolved.examples:
            jsonschema.validate(json.loads(example.output), resolved.json_schema)


def test_coding_personas_ask_for_search_replace_blocks_and_show_them() -> None:
    registry = load_registry(None)
    for name in CODING:
        resolved = registry.get(name)
        fmt = resolved.persona.format
        for marker in ("<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE", "empty"):
            assert marker in fmt, (name, marker)
        outputs = "\n".join(e.output for e in resolved.examples)
        # Every coding persona sees an edit and a new file (empty SEARCH) in its examples.
        assert "<<<<<<< SEARCH\n=======\n" in outputs, name
        assert outputs.count("<<<<<<< SEARCH") > outputs.count("<<<<<<< SEARCH\n=======\n"), name
        # Each block: a path line, then a fence, then the SEARCH marker.
        lines = outputs.splitlines()
        for index, line in enumerate(lines):
            if line == "<<<<<<< SEARCH":
                assert lines[index - 1].startswith("```"), (name, index)
                path_line = lines[index - 2]
                assert "/" in path_line and " " not in path_line, (name, path_line)


def test_every_example_kind_directory_is_a_task_kind() -> None:
    registry = load_registry(None)
    assert {e.kind for e in registry.library.examples.values()} <= set(TASK_KINDS)


# --- override and sources ------------------------------------------------------------


def test_user_file_overrides_builtin_of_the_same_name(dirs: dict[str, Path]) -> None:
    builtin_path = dirs["builtin"] / "my-one.toml"
    user_path = write_persona(dirs["user"], "my-one", extra="temperature = 0.9\n")
    write_persona(dirs["user"], "my-own")
    registry = load(dirs)
    one = registry.get("my-one")
    assert (one.source, one.path, one.overrides) == ("user", user_path, builtin_path)
    assert one.persona.temperature == 0.9
    assert registry.get("my-two").source == "builtin"
    own = registry.get("my-own")
    assert (own.source, own.overrides) == ("user", None)
    assert registry.problems == []


def test_user_example_overrides_builtin_example(dirs: dict[str, Path]) -> None:
    write_example(dirs["user"] / "examples", "code/shared", n=2)
    registry = load(dirs)
    assert registry.get("my-one").example_pairs() == [("question 2", "answer 2")]


def test_missing_user_dir_is_fine(dirs: dict[str, Path]) -> None:
    assert not dirs["user"].exists()
    assert load(dirs).names() == ["my-one", "my-two"]


def test_unknown_name_suggests_the_closest(dirs: dict[str, Path]) -> None:
    with pytest.raises(UnknownPersona, match="did you mean 'my-one'"):
        load(dirs).get("my-onee")


# --- broken files: reported with path and field, skipped, never fatal ---------------------


def only_problem(registry: PersonaRegistry, path: Path) -> FileProblem:
    problems = [p for p in registry.problems if p.path == path]
    assert len(problems) == 1, registry.problems
    return problems[0]


def test_bad_toml_is_reported_with_its_line(dirs: dict[str, Path]) -> None:
    path = dirs["user"] / "my-bad.toml"
    path.parent.mkdir(parents=True)
    path.write_text('name = "my-bad"\nrole = "unterminated\n', encoding="utf-8")
    registry = load(dirs)
    problem = only_problem(registry, path)
    assert "not valid TOML" in problem.message and "line 2" in problem.message
    assert "my-bad" not in registry
    assert registry.names() == ["my-one", "my-two"]


def test_unknown_field_names_the_field_and_suggests(dirs: dict[str, Path]) -> None:
    path = write_persona(dirs["user"], "my-typo", extra="temprature = 0.2\n")
    problem = only_problem(load(dirs), path)
    assert problem.field == "temprature"
    assert "did you mean 'temperature'" in problem.message


def test_unknown_nested_field_names_its_path(dirs: dict[str, Path]) -> None:
    path = write_persona(
        dirs["user"], "my-think", extra='think = { first = "off", retyr = "on" }\n'
    )
    problem = only_problem(load(dirs), path)
    assert problem.field == "think.retyr"
    assert "did you mean 'retry'" in problem.message


def test_bad_type_names_the_field(dirs: dict[str, Path]) -> None:
    path = write_persona(dirs["user"], "my-type", extra='temperature = "warm"\n')
    problem = only_problem(load(dirs), path)
    assert problem.field == "temperature"
    assert "number" in problem.message
    assert str(path) in str(problem)


def test_bad_list_item_names_its_index(dirs: dict[str, Path]) -> None:
    path = write_persona(dirs["user"], "my-list", extra='stop = ["ok", 3]\n')
    assert only_problem(load(dirs), path).field == "stop[1]"


def test_invalid_json_schema_is_reported(dirs: dict[str, Path]) -> None:
    path = write_persona(dirs["user"], "my-schema", extra="json_schema = '''{\"type\": 12}'''\n")
    problem = only_problem(load(dirs), path)
    assert problem.field == "json_schema"
    assert "not a valid JSON schema" in problem.message


def test_missing_example_reference_is_reported_with_its_index(dirs: dict[str, Path]) -> None:
    path = write_persona(dirs["user"], "my-refs", examples='"code/shared", "code/nowhere"')
    problem = only_problem(load(dirs), path)
    assert problem.field == "examples[1]"
    assert "code/nowhere" in problem.message


def test_example_output_breaking_the_schema_is_reported(dirs: dict[str, Path]) -> None:
    schema = json.dumps({"type": "object", "required": ["label"]})
    write_example(
        dirs["examples"], "classification/good", text='input = "x"\noutput = \'{"label": "a"}\'\n'
    )
    write_example(
        dirs["examples"], "classification/bad", text='input = "x"\noutput = \'{"lable": "a"}\'\n'
    )
    path = write_persona(
        dirs["user"],
        "my-json",
        examples='"classification/good", "classification/bad"',
        extra=f"json_schema = '{schema}'\n",
    )
    problem = only_problem(load(dirs), path)
    assert problem.field == "examples[1]"
    assert "'label' is a required property" in problem.message


def test_name_must_match_the_file_name(dirs: dict[str, Path]) -> None:
    path = dirs["user"] / "my-file.toml"
    write_persona(dirs["user"], "my-other").rename(path)
    problem = only_problem(load(dirs), path)
    assert problem.field == "name" and "my-other.toml" in problem.message


def test_broken_override_keeps_the_builtin(dirs: dict[str, Path]) -> None:
    path = write_persona(dirs["user"], "my-one", extra="top_p = 0\n")
    registry = load(dirs)
    assert only_problem(registry, path).field == "top_p"
    assert registry.get("my-one").source == "builtin"


def test_broken_example_file_is_reported_and_its_users_skipped(dirs: dict[str, Path]) -> None:
    example = write_example(dirs["examples"], "code/broken", text='input = "x"\noutptu = "y"\n')
    persona = write_persona(dirs["user"], "my-uses-broken", examples='"code/broken"')
    registry = load(dirs)
    example_problems = [p for p in registry.problems if p.path == example]
    assert {p.field for p in example_problems} == {"outptu", "output"}
    assert only_problem(registry, persona).field == "examples[0]"
    assert "my-uses-broken" not in registry


def test_example_directory_that_is_not_a_task_kind_is_reported(dirs: dict[str, Path]) -> None:
    write_example(dirs["examples"], "cooking/pasta")
    problem = only_problem(load(dirs), dirs["examples"] / "cooking")
    assert "not a task kind" in problem.message


def test_non_utf8_file_is_reported(dirs: dict[str, Path]) -> None:
    path = dirs["user"] / "my-latin1.toml"
    path.parent.mkdir(parents=True)
    path.write_bytes('role = "café"'.encode("latin-1"))
    assert "not UTF-8" in only_problem(load(dirs), path).message


def test_unreadable_file_is_reported(dirs: dict[str, Path]) -> None:
    # A directory where a file should be: unreadable even for root.
    path = dirs["user"] / "my-dir.toml"
    path.mkdir(parents=True)
    assert "cannot read" in only_problem(load(dirs), path).message
