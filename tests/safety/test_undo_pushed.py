"""Case 13: undo refuses a commit that left the branch by other ways than a tracking ref."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo
from tests.safety.turns import GREET, edit, run_batch


@pytest.fixture
def turned(tmp_path: Path, gitconfig: Path, fake_ollama) -> Path:
    """A repository whose HEAD is a fresh Ingle commit."""
    repo = make_repo(tmp_path, gitconfig, {"greet.py": GREET})
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")))
    assert run_batch(repo, "--yes", "-m", "take a name", "greet.py") == 0
    return repo


def test_undo_after_a_push_by_url_is_refused(turned, tmp_path, capsys) -> None:
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(turned, "remote", "add", "origin", str(remote))
    head = git(turned, "rev-parse", "HEAD").strip()
    git(turned, "push", "-q", str(remote), "main")  # by URL: no refs/remotes/origin/main
    assert git(turned, "for-each-ref", "refs/remotes") == ""
    capsys.readouterr()
    assert main(["undo", "--repo", str(turned)]) != 0
    out = capsys.readouterr()
    assert "already pushed to origin" in out.out + out.err
    assert git(turned, "rev-parse", "HEAD").strip() == head


def test_undo_of_a_commit_a_tag_holds_is_refused(turned, capsys) -> None:
    head = git(turned, "rev-parse", "HEAD").strip()
    git(turned, "tag", "v1.0")
    capsys.readouterr()
    assert main(["undo", "--repo", str(turned)]) != 0
    out = capsys.readouterr()
    assert "tag v1.0" in out.out + out.err
    assert git(turned, "rev-parse", "HEAD").strip() == head


def test_an_unshared_turn_is_still_undone(turned, capsys) -> None:
    assert main(["undo", "--repo", str(turned)]) == 0
    assert (turned / "greet.py").read_text() == GREET
