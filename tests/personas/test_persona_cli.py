"""`ingle persona list|show|new|check|export|register`, run through the real CLI entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.config.paths import IngleDirs
from ingle.personas.modelfile_parser import create_request, parse_modelfile
from ingle.personas.registry import load_registry
from tests.fakes.ollama_server import FakeOllama


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # a repository root as far as config loading goes
    for name in ("cmd/main.go", "internal/server.go", "README.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def dirs(ingle_home: Path) -> IngleDirs:
    return IngleDirs.from_env({"INGLE_HOME": str(ingle_home)})


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["persona", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_list_shows_every_persona_with_model_kinds_source_and_the_default(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "list")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "MODEL", "TASK", "KINDS", "SOURCE"]
    architect = next(line for line in lines if line.startswith("my-architect "))
    assert architect.split() == ["my-architect", "qwen3:14b", "architecture", "built-in"]
    assert sum(1 for line in lines if line.startswith("my-")) == 10
    assert "default here: my-coder (from the repository's languages: Go 2)" in out


def test_list_marks_user_overrides_and_config_default(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "new", "my-coder", "--from", "my-coder")[0] == 0
    write(dirs.config_file, 'persona = "my-writer"\n')
    status, out, _ = run(capsys, "list")
    assert status == 0
    assert "user (overrides built-in)" in next(
        l for l in out.splitlines() if l.startswith("my-coder ")
    )
    assert "default here: my-writer (set by `persona` in config)" in out


def test_show_prints_settings_and_the_rendered_prompt(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "show", "my-architect")
    assert status == 0
    assert "qwen3:14b (num_ctx 4096; needs at least 4096)" in out
    assert "off; on when retrying after a failure" in out
    prompt = out.split("--- system prompt ---\n", 1)[1]
    assert prompt.rstrip("\n") == load_registry(None).get("my-architect").system_prompt()
    assert prompt.index("ROLE:") < prompt.index("CONSTRAINTS:") < prompt.index("FORMAT:")


def test_show_json_carries_schema_prompt_and_examples(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "show", "my-reviewer", "--json")
    data = json.loads(out)
    assert status == 0
    assert data["persona"]["json_schema"]["required"] == ["summary", "verdict", "findings"]
    assert data["system_prompt"].startswith("ROLE:\n")
    assert [e["ref"] for e in data["examples"]] == data["persona"]["examples"]
    assert data["source"] == "builtin" and data["num_ctx"] == 16384


def test_unknown_persona_is_a_usage_error_with_a_suggestion(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "show", "my-codr")
    assert status == 2
    assert "no persona named 'my-codr'; did you mean 'my-coder'?" in err


def test_new_copies_to_the_user_dir_and_refuses_to_overwrite(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "new", "my-gopher", "--from", "my-coder")
    target = dirs.user_personas / "my-gopher.toml"
    assert status == 0 and f"created {target}" in out
    loaded = load_registry(dirs.user_personas).get("my-gopher")
    original = load_registry(None).get("my-coder")
    assert loaded.source == "user"
    assert loaded.persona.model_dump(exclude={"name"}) == original.persona.model_dump(
        exclude={"name"}
    )
    status, _, err = run(capsys, "new", "my-gopher", "--from", "my-writer")
    assert status == 1 and "already exists" in err
    assert run(capsys, "new", "my-gopher", "--from", "my-writer", "--force")[0] == 0
    assert load_registry(dirs.user_personas).get("my-gopher").persona.temperature == 0.7


def test_new_rejects_a_bad_name(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "new", "My Persona")
    assert status == 2 and "cannot be a persona name" in err


def test_check_passes_on_the_builtins(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check")
    assert status == 0
    assert "all 10 personas are valid" in out


def test_check_lists_every_problem_and_fails(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(
        dirs.user_personas / "my-broken.toml", 'name = "my-broken"\ntemperature = "hot"\n'
    )
    write(
        dirs.user_personas / "my-pinned.toml",
        (
            Path(load_registry(None).get("my-writer").path)
            .read_text()
            .replace('name = "my-writer"', 'name = "my-pinned"')
            .replace('base_model = "qwen3:8b"', 'base_model = "qwen3:8b@gpu9"')
        ),
    )
    write(dirs.config_file, 'persona = "my-gone"\n[models."qwen3:14b"]\nnum_ctx = 2048\n')
    status, out, _ = run(capsys, "check")
    assert status == 1
    assert f"{broken}: temperature: " in out
    assert f"{broken}: description: required, but missing" in out
    assert "endpoint 'gpu9' is not configured" in out
    assert "qwen3:14b runs with num_ctx 2048 but this persona needs at least 4096" in out
    assert "config: persona: 'my-gone' is not a known persona" in out
    assert "persona(s) usable" in out


def test_check_warns_when_export_would_refuse(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        dirs.user_personas / "examples/code/docstring.toml",
        "input = 'write f'\noutput = '''\ndef f():\n    \"\"\"One.\"\"\"\n    return 1\n'''\n",
    )
    write(
        dirs.user_personas / "my-py.toml",
        'name = "my-py"\ndescription = "d"\nbase_model = "qwen3:8b"\ntask_kinds = ["code"]\n'
        'examples = ["code/docstring"]\nrole = "r"\n',
    )
    status, out, _ = run(capsys, "check")
    assert status == 0
    assert "warning: " in out and "`ingle persona export` will refuse it" in out and "line 2" in out


def test_export_prints_a_modelfile_with_the_models_num_ctx(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    write(dirs.config_file, '[models."qwen3:8b"]\nnum_ctx = 12288\n')
    status, out, _ = run(capsys, "export", "my-translator")
    assert status == 0
    request = create_request(parse_modelfile(out))
    resolved = load_registry(None).get("my-translator")
    assert request["from"] == "qwen3:8b"
    assert request["system"] == resolved.system_prompt()
    assert request["parameters"]["num_ctx"] == 12288
    assert request["parameters"]["stop"] == ["<|im_start|>", "<|im_end|>"]
    assert [m["content"] for m in request["messages"]] == [
        text for e in resolved.examples for text in (e.input, e.output)
    ]


def test_export_to_a_file(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "Modelfile"
    status, out, err = run(capsys, "export", "my-classifier", "-o", str(target))
    assert status == 0 and out == ""
    assert f"ollama create my-classifier -f {target}" in err
    assert parse_modelfile(target.read_text())[0].args == "qwen3:4b"
    status, _, err = run(
        capsys, "export", "my-classifier", "-o", str(tmp_path / "no/such/Modelfile")
    )
    assert status == 2 and "does not exist" in err


def test_export_warns_when_the_model_context_is_too_small(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    write(dirs.config_file, '[models."qwen3:8b"]\nnum_ctx = 4096\n')
    status, out, err = run(capsys, "export", "my-coder")
    assert status == 0 and "PARAMETER num_ctx 4096" in out
    assert "needs at least 8192" in err


def test_register_sends_the_exact_create_body(
    repo: Path, fake_ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "register", "my-reviewer")
    assert status == 0, err
    resolved = load_registry(None).get("my-reviewer")
    sent = fake_ollama.requests_to("/api/create")
    assert len(sent) == 1
    messages = []
    for example in resolved.examples:
        messages += [
            {"role": "user", "content": example.input},
            {"role": "assistant", "content": example.output},
        ]
    assert sent[0].json == {
        "model": "my-reviewer",
        "from": "qwen3:8b",
        "system": resolved.system_prompt(),
        "parameters": {
            "temperature": 0.1,
            "top_p": 0.9,
            "stop": ["<|im_start|>", "<|im_end|>"],
            "num_ctx": 16384,
        },
        "messages": messages,
        "stream": True,
    }
    assert "reading model metadata" in err and "success" in err
    assert "registered my-reviewer on endpoint 'local'" in out
    assert "JSON schema" in err  # a model cannot carry `format`: clients are told to send it
    created = fake_ollama.find("my-reviewer")
    assert created is not None and created.system == resolved.system_prompt()


def test_register_uses_the_named_endpoint(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOllama() as other:
        write(dirs.config_file, f'[endpoints.gpu2]\nkind = "ollama"\nurl = "{other.url}"\n')
        status, out, _ = run(capsys, "register", "my-summarizer", "--endpoint", "gpu2")
        assert status == 0
        assert [r.json["model"] for r in other.requests_to("/api/create")] == ["my-summarizer"]
        assert "endpoint 'gpu2'" in out


def test_register_reports_an_unknown_base_model(
    repo: Path, fake_ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    del fake_ollama.models["qwen3:4b"]
    status, _, err = run(capsys, "register", "my-classifier")
    assert status == 1
    assert "qwen3:4b" in err


def test_register_reports_a_dead_server(
    repo: Path, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOllama() as server:
        url = server.url
    write(dirs.config_file, f'[endpoints.local]\nurl = "{url}"\n')
    status, _, err = run(capsys, "register", "my-coder")
    assert status == 3
    assert err.startswith("ingle: ")
