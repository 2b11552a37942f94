"""`ingle diff` on real repositories: the last Ingle turn, or the uncommitted changes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.vcs import open_repo
from tests.git_env import make_repo


@pytest.fixture
def root(tmp_path: Path, gitconfig: Path) -> Path:
    """A repository with one user commit, git isolated from the developer's config."""
    return make_repo(tmp_path, gitconfig, {"app.py": "v = 1\n"})


def test_diff_prints_the_last_turn_even_with_user_commits_on_top(root, capsys):
    repo = open_repo(root)
    (root / "app.py").write_text("v = 2\n")
    turn = repo.commit_ingle_change(["app.py"], "fix: v is 2", set())
    (root / "later.py").write_text("mine\n")
    subprocess.run(["git", "add", "later.py"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "mine"], cwd=root, check=True)
    assert main(["diff", "--repo", str(root), "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert f"commit {turn.sha}" in out and "fix: v is 2" in out
    assert "-v = 1\n+v = 2\n" in out and "later.py" not in out


def test_diff_without_an_ingle_turn_says_so(root, capsys):
    assert main(["diff", "--repo", str(root)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no Ingle commit on main yet" in captured.err


def test_diff_working_shows_uncommitted_changes_coloured_on_request(root, capsys):
    (root / "app.py").write_text("v = 9\n")
    assert main(["diff", "--repo", str(root), "--working", "--color", "always"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" in out and "v = 9" in out
    (root / "app.py").write_text("v = 1\n")
    assert main(["diff", "--repo", str(root), "--working"]) == 0
    assert "no uncommitted changes" in capsys.readouterr().err


def test_building_the_cli_does_not_import_gitpython():
    probe = (
        "import sys\n"
        "from ingle.core.frontends.cli import build_parser\n"
        "build_parser()\n"
        "print('git' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, text=True
    )
    assert done.stdout.strip() == "False", done.stderr
