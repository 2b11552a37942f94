"""Case 12: a password in an endpoint URL is never shown, OLLAMA_HOST with user:password
is parsed right, and the repo map's cache never stores string literal values."""

from __future__ import annotations

import json
from pathlib import Path

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import make_repo
from tests.safety.turns import GREET, edit, run_batch

PASSWORD = "hunter2-Pa55"


def _with_password(url: str) -> str:
    return url.replace("http://", f"http://ann:{PASSWORD}@")


def test_config_models_and_doctor_never_print_the_password(fake_ollama, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OLLAMA_HOST", _with_password(fake_ollama.url))
    assert main(["config", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    # Parsed as Ollama would: host and port kept, the credentials redacted.
    port = fake_ollama.url.rsplit(":", 1)[1]
    assert shown["settings"]["endpoints"]["local"]["url"] == f"http://ann:***@127.0.0.1:{port}"
    assert main(["config"]) == 0
    assert main(["models"]) == 0  # reaches the server: the URL was parsed right
    out = capsys.readouterr()
    assert "qwen3:8b" in out.out
    main(["doctor"])
    out2 = capsys.readouterr()
    everything = out.out + out.err + out2.out + out2.err
    assert PASSWORD not in everything and "ann:***@" in everything
    # And the server got the credentials: httpx sends them as basic auth.
    assert any((r.header("authorization") or "").startswith("Basic ") for r in fake_ollama.requests)


def test_an_unreachable_endpoint_with_a_password_is_reported_redacted(monkeypatch, capsys) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"http://ann:{PASSWORD}@127.0.0.1:9")
    main(["models"])
    main(["doctor"])
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err and "127.0.0.1:9" in out.out + out.err


def test_the_repo_map_cache_keeps_no_string_literal(tmp_path, gitconfig, fake_ollama, ingle_home, capsys) -> None:
    secret = "sk-live-0123456789abcdef"
    repo = make_repo(tmp_path, gitconfig, {
        "greet.py": GREET,
        "settings.py": f'API_KEY = "{secret}"\n\n\ndef client():\n    return API_KEY\n',
        "app.py": "from settings import client\n\n\ndef run():\n    return client()\n",
    })
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")))
    assert run_batch(repo, "--yes", "-m", "take a name", "greet.py") == 0
    stored = b"".join(p.read_bytes() for p in ingle_home.rglob("*") if p.is_file())
    assert b"API_KEY" in stored  # the map was cached...
    assert secret.encode() not in stored  # ...without the value
