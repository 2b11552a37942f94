"""`ingle undo` end to end on real repositories: exit 0 when undone, 1 with the reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.vcs import open_repo
from tests.git_env import make_repo


@pytest.fixture
def root(tmp_path: Path, gitconfig: Path) -> Path:
    """A repository with one user commit, git isolated from the developer's config."""
    return make_repo(tmp_path, gitconfig, {"app.py": "v = 1\n"})


def test_undo_reverts_the_turn_and_reports_what_it_did(root, capsys):
    repo = open_repo(root)
    before = repo.head_sha()
    (root / "app.py").write_text("v = 2\n")
    (root / "new.py").write_text("n = 1\n")
    turn = repo.commit_ingle_change(["app.py", "new.py"], "feat: bump v", {"new.py"})
    assert main(["undo", "--repo", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"undid {turn.short_sha} feat: bump v" in out
    assert "restored: app.py" in out and "removed: new.py" in out
    assert f"HEAD is now {before[:7]} (main)" in out
    assert (root / "app.py").read_text() == "v = 1\n" and not (root / "new.py").exists()


def test_undo_refused_exits_1_with_the_reason(root, capsys):
    assert main(["undo", "--repo", str(root)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ingle: nothing undone: HEAD (")
    assert "is not an Ingle commit" in err


def test_undo_outside_a_repository_exits_2(tmp_path, root, capsys):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["undo", "--repo", str(plain)]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_ingle_undo_as_a_process_from_inside_the_repository(root):
    repo = open_repo(root)
    (root / "app.py").write_text("v = 3\n")
    repo.commit_ingle_change(["app.py"], "fix: v", set())
    ingle = Path(__file__).resolve().parents[2] / ".venv/bin/ingle"
    first = subprocess.run(
        [str(ingle), "undo"], cwd=root, check=False, capture_output=True, text=True
    )
    second = subprocess.run(
        [str(ingle), "undo"], cwd=root, check=False, capture_output=True, text=True
    )
    assert first.returncode == 0, first.stderr
    assert second.returncode == 1 and "is not an Ingle commit" in second.stderr
