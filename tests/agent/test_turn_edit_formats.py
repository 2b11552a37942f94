"""Edit formats small models write, through a batch turn on a real repository against
the fake Ollama: a unified diff is applied; a reply whose edits cannot be read goes back
to the model with exactly what was wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import make_repo

GREET = 'def greet():\n    return "hi"\n'


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def turn_calls(fake) -> list[dict]:  # noqa: ANN001
    return [r.json for r in fake.requests if r.path == "/api/chat" and "format" not in r.json]


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"greet.py": GREET})


def test_a_unified_diff_reply_is_applied_and_committed(repo, fake_ollama, capsys) -> None:
    diff = (
        "Here is the patch:\n\n```diff\n--- a/greet.py\n+++ b/greet.py\n@@ -1,2 +1,2 @@\n"
        '-def greet():\n-    return "hi"\n+def greet(name):\n+    return f"hi {name}"\n```\n'
    )
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "feat", "scope": "greet", "subject": "by name"}'
        if "format" in request.json else diff
    ))
    assert batch(repo, "-m", "greet by name", "greet.py") == 0
    assert (repo / "greet.py").read_text() == 'def greet(name):\n    return f"hi {name}"\n'
    assert events(capsys.readouterr().out)[-1]["outcome"] == "committed"


def test_search_replace_labels_go_back_to_the_model_with_what_was_wrong(
    repo, fake_ollama, capsys
) -> None:
    labels = 'greet.py\nSEARCH:\n```python\n    return "hi"\n```\nREPLACE:\n```python\n    return "hello"\n```\n'
    good = 'greet.py\n```python\n<<<<<<< SEARCH\n    return "hi"\n=======\n    return "hello"\n>>>>>>> REPLACE\n```\n'
    replies = iter([labels, good])
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "feat", "scope": "greet", "subject": "hello"}'
        if "format" in request.json else next(replies)
    ))
    assert batch(repo, "-m", "say hello", "greet.py") == 0
    repair = turn_calls(fake_ollama)[1]["messages"][-1]["content"]
    assert "Your reply had no SEARCH/REPLACE block for greet.py" in repair
    assert "'SEARCH:' is a label, not an edit marker" in repair
    assert (repo / "greet.py").read_text() == 'def greet():\n    return "hello"\n'
