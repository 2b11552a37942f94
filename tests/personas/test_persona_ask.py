"""`ingle ask --persona NAME` end to end over the fake Ollama server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.config.paths import IngleDirs
from ingle.personas.registry import load_registry
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def dirs(ingle_home: Path) -> IngleDirs:
    return IngleDirs.from_env({"INGLE_HOME": str(ingle_home)})


def expected_messages(name: str, prompt: str) -> list[dict[str, str]]:
    resolved = load_registry(None).get(name)
    messages = [{"role": "system", "content": resolved.system_prompt()}]
    for example in resolved.examples:
        messages += [
            {"role": "user", "content": example.input},
            {"role": "assistant", "content": example.output},
        ]
    return [*messages, {"role": "user", "content": prompt}]


def test_schema_bound_persona_sends_everything_it_defines(
    fake_ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = "Labels: food, transport, other\nText: Uber to the airport"
    reply = {"label": "transport", "confidence": 0.93, "reason": "Uber is a ride."}
    fake_ollama.script(Reply(text=json.dumps(reply)))
    assert main(["ask", "--persona", "my-classifier", prompt]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == reply
    assert "qwen3:4b@local" in err
    sent = fake_ollama.requests_to("/api/chat")[0].json
    classifier = load_registry(None).get("my-classifier")
    assert sent["model"] == "qwen3:4b"
    assert sent["messages"] == expected_messages("my-classifier", prompt)
    assert sent["think"] is False
    assert sent["format"] == classifier.json_schema
    options = sent["options"]
    assert (options["temperature"], options["top_p"]) == (0.1, 0.9)
    assert options["stop"] == ["<|im_start|>", "<|im_end|>"]
    assert options["num_ctx"] == 8192  # the model's setting, not the persona's


def test_free_text_persona_on_its_own_model_and_context(
    fake_ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_ollama.script(Reply(text="## Decision\nKeep the monolith."))
    assert main(["ask", "--persona", "my-architect", "Split the billing module out?"]) == 0
    out, _ = capsys.readouterr()
    assert out == "## Decision\nKeep the monolith.\n"
    sent = fake_ollama.requests_to("/api/chat")[0].json
    assert sent["model"] == "qwen3:14b"
    assert sent["options"]["num_ctx"] == 4096
    assert sent["options"]["temperature"] == 0.3
    assert sent["think"] is False
    assert "format" not in sent


def test_flags_win_over_the_persona(
    fake_ollama: FakeOllama, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    schema = tmp_path / "yes.json"
    schema.write_text(json.dumps({"type": "object", "required": ["ok"]}))
    fake_ollama.script(Reply(thinking="hmm", text='{"ok": true}'))
    argv = [
        "ask",
        "--persona",
        "my-classifier",
        "-m",
        "qwen3:8b",
        "--think",
        "--schema",
        str(schema),
    ]
    assert main([*argv, "Is it ok?"]) == 0
    sent = fake_ollama.requests_to("/api/chat")[0].json
    assert sent["model"] == "qwen3:8b"
    assert sent["think"] is True
    assert sent["format"] == {"type": "object", "required": ["ok"]}
    # The persona's prompt and sampling still apply.
    assert sent["messages"][0]["content"].startswith("ROLE:\nYou are a fast, exact classifier.")
    assert sent["options"]["temperature"] == 0.1


def test_persona_pinned_to_an_endpoint_is_asked_there(
    fake_ollama: FakeOllama, dirs: IngleDirs, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeOllama() as gpu2:
        dirs.config_file.parent.mkdir(parents=True, exist_ok=True)
        dirs.config_file.write_text(f'[endpoints.gpu2]\nkind = "ollama"\nurl = "{gpu2.url}"\n')
        assert main(["persona", "new", "my-remote", "--from", "my-writer"]) == 0
        path = dirs.user_personas / "my-remote.toml"
        path.write_text(path.read_text().replace('"qwen3:8b"', '"qwen3:8b@gpu2"', 1))
        gpu2.script(Reply(text="Done."))
        capsys.readouterr()
        assert main(["ask", "--persona", "my-remote", "Write a haiku about tests"]) == 0
        assert capsys.readouterr().out == "Done.\n"
        sent = gpu2.requests_to("/api/chat")[0].json
        assert sent["model"] == "qwen3:8b" and sent["options"]["temperature"] == 0.7
        assert fake_ollama.requests_to("/api/chat") == []


def test_unknown_persona_is_a_usage_error(
    fake_ollama: FakeOllama, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--persona", "my-writr", "hello"]) == 2
    assert "did you mean 'my-writer'?" in capsys.readouterr().err
    assert fake_ollama.requests == []
