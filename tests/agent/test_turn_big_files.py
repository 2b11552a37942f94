"""Big files are windowed to what the request names: a batch turn on a real repository
with a 4K-window model and an 80 KB file of 600 functions, against the fake Ollama."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import make_repo


def handlers() -> str:
    return "".join(
        f"def handler_{n:03d}(request, default=5):\n"
        f"    \"\"\"Handle the request for item {n}.\"\"\"\n"
        f"    value = request.get(\"item_{n:03d}\", default)\n"
        f"    return value * {n % 7 + 1}\n\n\n"
        for n in range(600)
    )


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"handlers.py": handlers()})


def test_a_named_function_in_an_80kb_file_is_edited_in_a_4k_window(
    repo, fake_ollama, capsys, ingle_home
) -> None:
    # Every local model holds 4K here, so the router has no larger window to send it to.
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[models."qwen3:8b"]\nnum_ctx = 4096\n')
    source = (repo / "handlers.py").read_text()
    assert len(source) > 80_000 and source.count("\ndef ") == 599
    edit = (
        "handlers.py\n```python\n<<<<<<< SEARCH\ndef handler_417(request, default=5):\n"
        "=======\ndef handler_417(request, default=0):\n>>>>>>> REPLACE\n```\n"
    )
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "fix", "scope": "handlers", "subject": "default 0"}'
        if "format" in request.json else edit
    ))
    assert batch(repo, "-m", "In handler_417 make the default value 0", "handlers.py") == 0
    seen = events(capsys.readouterr().out)
    prepared = next(e for e in seen if e["type"] == "context_prepared")
    assert prepared["num_ctx"] == 4096
    assert any(d.startswith("handlers.py windowed to") and "handler_417" in d
               for d in prepared["decisions"])
    [chat] = [r.json for r in fake_ollama.requests if r.path == "/api/chat" and "format" not in r.json]
    sent = "\n".join(m["content"] for m in chat["messages"])
    assert 'request.get("item_417", default)' in sent and 'request.get("item_100"' not in sent
    assert seen[-1]["outcome"] == "committed"
    text = (repo / "handlers.py").read_text()
    assert "def handler_417(request, default=0):" in text
    assert text.count("default=5") == 599
