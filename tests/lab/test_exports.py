"""Exports generated from a persona version, each parsed back; `register` reads the
model back through /api/show and catches a server that drops a parameter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.config.loader import load_config
from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.core.lab.exports import parse_claude_agent
from ingle.personas.create_body import build_create_body
from ingle.personas.modelfile_parser import create_request, parse_modelfile
from ingle.personas.registry import load_registry
from tests.fakes.ollama_server import FakeOllama



@pytest.fixture(autouse=True)
def outside_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def body_of(name: str) -> dict:
    resolved = load_registry(None).get(name)
    num_ctx = load_config().settings.num_ctx_for(resolved.model_ref.model)
    return build_create_body(resolved, num_ctx).to_json()


@pytest.mark.parametrize("name", ["my-translator", "my-reviewer", "my-coder"])
def test_modelfile_and_ollama_json_round_trip_to_the_same_create_body(name, capsys) -> None:
    status, modelfile, _ = cli(capsys, "persona", "export", name, "--format", "modelfile")
    assert status == 0
    from_modelfile = create_request(parse_modelfile(modelfile))
    status, text, _ = cli(capsys, "persona", "export", name, "--format", "ollama-json")
    assert status == 0
    from_json = json.loads(text)
    expected = body_of(name)
    assert from_json == expected
    assert from_modelfile == {k: v for k, v in expected.items() if k != "model"}


def test_claude_agent_front_matter_and_prompt_round_trip(capsys, tmp_path) -> None:
    target = tmp_path / "my-reviewer.md"
    status, out, err = cli(capsys, "persona", "export", "my-reviewer", "--format",
                           "claude-agent", "-o", str(target))
    assert status == 0 and out == "" and ".claude/agents/my-reviewer.md" in err
    front, body = parse_claude_agent(target.read_text())
    resolved = load_registry(None).get("my-reviewer")
    assert front == {"name": "my-reviewer", "description": resolved.persona.description,
                     "model": "inherit"}
    assert body.startswith(resolved.system_prompt())
    for example in resolved.examples:
        assert example.input in body and example.output in body


def test_export_of_a_pinned_version(capsys, ingle_home) -> None:
    dirs = IngleDirs.from_env({"INGLE_HOME": str(ingle_home)})
    cli(capsys, "persona", "new", "my-gopher", "--from", "my-coder")
    path = dirs.user_personas / "my-gopher.toml"
    path.write_text(path.read_text().replace("temperature = 0.1", "temperature = 0.4"))
    status, text, _ = cli(capsys, "persona", "export", "my-gopher@1", "--format", "ollama-json")
    assert status == 0 and json.loads(text)["parameters"]["temperature"] == 0.1
    with pytest.raises(SystemExit) as exited:
        main(["persona", "export", "my-gopher", "--format", "yaml"])
    assert exited.value.code == 2 and "invalid choice: 'yaml'" in capsys.readouterr().err


def test_register_reads_the_model_back_and_reports_it_verified(fake_ollama, capsys) -> None:
    status, out, err = cli(capsys, "persona", "register", "my-translator", "--json")
    report = json.loads(out)
    assert status == 0, err
    assert report["verified"] is True and report["mismatches"] == []
    assert "reading the model back through /api/show" in err
    assert [r.json["model"] for r in fake_ollama.requests_to("/api/show")] == ["my-translator"]


def test_register_catches_a_server_that_drops_a_parameter(
    fake_ollama: FakeOllama, capsys
) -> None:
    fake_ollama.dropped_parameters = {"stop", "temperature"}
    status, out, err = cli(capsys, "persona", "register", "my-translator")
    assert status == 1
    assert 'MISMATCH parameters.stop: sent ["<|im_start|>", "<|im_end|>"], the server reports null' in out
    assert "MISMATCH parameters.temperature" in out
    assert "do not trust this model's settings" in err
    status, out, _ = cli(capsys, "persona", "register", "my-translator", "--json")
    report = json.loads(out)
    assert status == 1 and report["verified"] is False
    assert {m["field"] for m in report["mismatches"]} == {"parameters.stop",
                                                          "parameters.temperature"}
