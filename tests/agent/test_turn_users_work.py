"""The user's uncommitted work around a turn (issue 14, "The app"): without a git identity
it is never committed under another name, and undoing a turn that committed it first puts
it back as uncommitted changes. Batch turns and `ingle undo` on a real repository against
the fake Ollama."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo

GREET = 'def greet():\n    return "hi"\n'
MINE = GREET + '\n\ndef wave():\n    return "o/"\n'  # typed by the user, not committed
EDIT = 'greet.py\n```python\n<<<<<<< SEARCH\n    return "hi"\n=======\n    return "hello"\n>>>>>>> REPLACE\n```\n'


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path, ingle_home: Path) -> Path:
    (ingle_home / "config").mkdir(parents=True, exist_ok=True)
    (ingle_home / "config" / "config.toml").write_text("[git]\ngenerate_messages = false\n")
    root = make_repo(tmp_path, gitconfig, {"greet.py": GREET})
    (root / "greet.py").write_text(MINE)
    return root


def test_undo_of_a_turn_that_saved_your_work_puts_it_back_uncommitted(repo, fake_ollama, capsys) -> None:
    initial = git(repo, "rev-parse", "HEAD").strip()
    fake_ollama.script(Reply(text=EDIT))
    assert batch(repo, "-m", "say hello", "greet.py") == 0
    assert git(repo, "log", "--format=%s").splitlines()[1:] == [
        "wip: save uncommitted changes before Ingle edit", "initial"
    ]
    assert (repo / "greet.py").read_text() == MINE.replace('"hi"', '"hello"')
    capsys.readouterr()
    assert main(["undo", "--repo", str(repo)]) == 0
    said = capsys.readouterr().out
    assert "your uncommitted changes are back, uncommitted: greet.py" in said
    assert git(repo, "rev-parse", "HEAD").strip() == initial
    assert (repo / "greet.py").read_text() == MINE  # the user's work, nothing lost
    assert git(repo, "status", "--porcelain") == " M greet.py\n"  # and uncommitted again


def test_without_a_git_identity_your_work_is_not_committed_under_another_name(
    repo, gitconfig, fake_ollama, capsys
) -> None:
    gitconfig.write_text("")  # no user.name, no user.email anywhere
    fake_ollama.script(Reply(text=EDIT))
    assert batch(repo, "-m", "say hello", "greet.py") != 0
    final = events(capsys.readouterr().out)[-1]
    assert not final["ok"]
    assert "git does not know who you are" in final["error"]
    assert 'git config --global user.name "Your Name"' in final["error"]
    assert (repo / "greet.py").read_text() == MINE  # nothing written
    assert git(repo, "log", "--format=%an <%ae>|%s").splitlines() == ["Ann Example <ann@example.com>|initial"]


def test_undo_json_names_the_work_put_back(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=EDIT))
    assert batch(repo, "-m", "say hello", "greet.py") == 0
    capsys.readouterr()
    assert main(["undo", "--repo", str(repo), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["done"] and report["unsaved"] == ["greet.py"] and report["restored"] == ["greet.py"]
    assert report["undone"]["ingle"] and report["undone"]["saved_work"]
    assert report["branch"] == "main" and (repo / "greet.py").read_text() == MINE
