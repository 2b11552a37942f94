"""`ingle ask` end to end: the CLI entry point against the fake servers."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import HttpError, MidStreamError, Reply

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no repository .ingle.toml from the working directory


def test_streams_answer_to_stdout_thinking_and_usage_to_stderr(fake_ollama, capsys):
    fake_ollama.script(Reply(thinking="Slicing reverses.", text="Use s[::-1].", output_tokens=9))
    assert main(["ask", "--think", "How do I reverse s?"]) == 0
    out, err = capsys.readouterr()
    assert out == "Use s[::-1].\n"
    assert "Slicing reverses." in err and "\x1b[" not in err  # not a terminal: no ANSI
    assert "qwen3:8b@local:" in err and "tok/s" in err and "thinking tokens" in err
    sent = fake_ollama.requests_to("/api/chat")[0].json
    assert sent["think"] is True and sent["model"] == "qwen3:8b"
    assert sent["messages"] == [{"role": "user", "content": "How do I reverse s?"}]


def test_without_think_flag_thinking_is_switched_off(fake_ollama, capsys):
    fake_ollama.script(Reply(text="ok"))
    assert main(["ask", "-m", "qwen3:4b", "hi"]) == 0
    sent = fake_ollama.requests_to("/api/chat")[0].json
    assert sent["think"] is False and sent["model"] == "qwen3:4b"
    assert sent["options"]["num_ctx"] == 8192


def test_prompt_dash_reads_stdin(fake_ollama, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("explain this diff\n+x = 1\n"))
    fake_ollama.script(Reply(text="It sets x."))
    assert main(["ask", "-"]) == 0
    assert fake_ollama.requests_to("/api/chat")[0].json["messages"][0]["content"] == (
        "explain this diff\n+x = 1\n")


def test_empty_prompt_is_a_usage_error(fake_ollama, capsys):
    assert main(["ask", "  "]) == 2
    assert "prompt is empty" in capsys.readouterr().err
    assert fake_ollama.requests == []


def test_schema_prints_validated_json_only(fake_ollama, capsys, tmp_path):
    schema = tmp_path / "answer.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"label": {"type": "string"}},
                                  "required": ["label"]}))
    fake_ollama.script(Reply(text='{"label": "transport"}'))
    assert main(["ask", "--schema", str(schema), "classify: subway fare $2.75"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out) == {"label": "transport"}
    assert fake_ollama.requests_to("/api/chat")[0].json["format"]["required"] == ["label"]


def test_reply_breaking_the_schema_fails_and_shows_the_reply(fake_ollama, capsys, tmp_path):
    schema = tmp_path / "answer.json"
    schema.write_text('{"type": "object", "required": ["label"]}')
    fake_ollama.script(Reply(text='{"tag": "food"}'))
    assert main(["ask", "--schema", str(schema), "classify"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "breaks the schema" in err and '{"tag": "food"}' in err


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not valid JSON"),
    ('{"type": "nonsense"}', "not a valid JSON schema"),
])
def test_bad_schema_file_is_a_usage_error(fake_ollama, capsys, tmp_path, content, message):
    schema = tmp_path / "bad.json"
    schema.write_text(content)
    assert main(["ask", "--schema", str(schema), "x"]) == 2
    assert message in capsys.readouterr().err
    assert main(["ask", "--schema", str(tmp_path / "missing.json"), "x"]) == 2
    assert "cannot read it" in capsys.readouterr().err


def test_missing_model_fails_with_pull_hint_without_asking(fake_ollama, capsys):
    assert main(["ask", "-m", "llama3.2:3b", "hi"]) == 1
    err = capsys.readouterr().err
    assert "ollama pull llama3.2:3b" in err
    assert fake_ollama.requests_to("/api/pull") == []


def test_dead_server_exits_3_with_how_to_start_it(capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    assert main(["ask", "hi"]) == 3
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and "ollama serve" in err


def test_mid_stream_error_keeps_what_was_printed(fake_ollama, capsys):
    fake_ollama.script(Reply(text="first part then more", error_midstream=MidStreamError(after=2)))
    assert main(["ask", "hi"]) == 1
    out, err = capsys.readouterr()
    assert out == "first part \n" and "failed mid-reply" in err


def test_truncation_is_warned(fake_ollama, capsys, ingle_home):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[models."qwen3:8b"]\nnum_ctx = 1024\n')
    fake_ollama.script(Reply(text="ok"))
    assert main(["ask", "word " * 3000]) == 0
    assert "warning: the server read only 1024 prompt tokens" in capsys.readouterr().err


def test_model_at_endpoint_reaches_an_openai_compatible_server(fake_openai, capsys, ingle_home):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[endpoints.lab]\nkind = "openai"\nurl = "{fake_openai.url}/v1"\n')
    fake_openai.script(Reply(thinking="hm", text="from the lab"))
    assert main(["ask", "-m", "qwen3-8b@lab", "hi"]) == 0
    out, err = capsys.readouterr()
    assert out == "from the lab\n" and "qwen3-8b@lab:" in err


def test_claude_endpoint_shows_cost(fake_anthropic, capsys):
    fake_anthropic.script(Reply(text="Looks right.", prompt_tokens=1000, output_tokens=200))
    assert main(["ask", "--endpoint", "claude", "-m", "claude-haiku-4-5", "review"]) == 0
    out, err = capsys.readouterr()
    assert out == "Looks right.\n" and "$0.0020" in err  # 1000*$1 + 200*$5 per million


def test_rate_limit_retry_is_announced(fake_anthropic, capsys):
    fake_anthropic.script(Reply(error_before=HttpError(status=429, message="slow down",
                                                       retry_after=0)), Reply(text="done"))
    assert main(["ask", "--endpoint", "claude", "-m", "claude-haiku-4-5", "x"]) == 0
    out, err = capsys.readouterr()
    assert out == "done\n" and "retrying in 0.0s" in err


def _read_until(fd: int, marker: bytes, seen: bytearray) -> bool:
    """Read the pty until `marker` shows up or the child goes quiet for 120 s (a loaded
    machine takes long to start Python; the wait ends at once when output comes)."""
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], 120)
        if not ready:
            return False
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child exited and closed the terminal
            return marker in seen
        if not chunk:
            return marker in seen
        seen.extend(chunk)
    return True


def test_at_a_terminal_a_missing_model_is_offered_and_pulled(fake_ollama, ingle_home, tmp_path):
    fake_ollama.script(Reply(thinking="warming up", text="pulled and answered"))
    controller, terminal = pty.openpty()
    env = {**os.environ, "OLLAMA_HOST": fake_ollama.url, "INGLE_HOME": str(ingle_home),
           "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "ingle.core.frontends.cli", "ask", "--think", "-m",
                              "llama3.2:3b", "hi"], stdin=terminal, stdout=terminal,
                             stderr=terminal, env=env, cwd=tmp_path, close_fds=True)
    os.close(terminal)
    seen = bytearray()
    try:
        assert _read_until(controller, b"Pull it now? [y/N]", seen), seen.decode(errors="replace")
        os.write(controller, b"y\n")
        assert _read_until(controller, b"tok/s", seen), seen.decode(errors="replace")
        assert child.wait(timeout=120) == 0
    finally:
        child.kill()
        child.wait()
        os.close(controller)
    text = seen.decode(errors="replace")
    assert "success" in text and "pulled and answered" in text
    assert "\x1b[2mwarming up" in text  # thinking dimmed on a terminal
    assert len(fake_ollama.requests_to("/api/pull")) == 1
