"""Undo of the last Ingle turn on real repositories, and every reason it refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingle.core.vcs import IngleRepo, open_repo
from tests.git_env import git, make_repo

@pytest.fixture
def root(tmp_path: Path, gitconfig: Path) -> Path:
    """A repository (Ann in an isolated global config) whose first commit has three files."""
    return make_repo(
        tmp_path,
        gitconfig,
        {"app.py": "def main():\n    pass\n", "lib/util.py": "X = 1\n", "docs/old notes.md": "old\n"},
    )


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def ingle_turn(repo: IngleRepo, files: dict[str, str], created: set[str]) -> str:
    write(repo.root, files)
    return repo.commit_ingle_change(sorted(files), "feat: a turn", created).sha


def test_undo_restores_modified_files_and_removes_created_ones(root):
    repo = open_repo(root)
    before = repo.head_sha()
    write(root, {"lib/util.py": "X = 2  # staged by me\n"})
    git(root, "add", "lib/util.py")  # unrelated staged work survives the undo
    ingle_turn(
        repo,
        {"app.py": "def main():\n    print('hi')\n", "pkg/nëw dir/mod ule.py": "Y = 1\n"},
        created={"pkg/nëw dir/mod ule.py"},
    )
    result = repo.undo_last()
    assert result.done, result.reason
    assert result.restored == ["app.py"]
    assert result.removed == ["pkg/nëw dir/mod ule.py"]
    assert result.head == before[:7]
    assert repo.head_sha() == before
    assert (root / "app.py").read_text() == "def main():\n    pass\n"
    assert not (root / "pkg").exists()  # the created file and its empty directories
    assert git(root, "status", "--porcelain") == "M  lib/util.py\n"
    assert "ingle: undo" in git(root, "reflog", "-1")


def test_undo_brings_back_a_file_the_turn_deleted(root):
    repo = open_repo(root)
    (root / "docs/old notes.md").unlink()
    repo.commit_ingle_change(["docs/old notes.md"], "docs: drop old notes", set())
    result = repo.undo_last()
    assert result.done and result.restored == ["docs/old notes.md"]
    assert (root / "docs/old notes.md").read_text() == "old\n"
    assert git(root, "status", "--porcelain") == ""


def test_undo_refused_when_head_is_the_users_commit(root):
    repo = open_repo(root)
    turn = ingle_turn(repo, {"app.py": "ingle\n"}, set())
    write(root, {"app.py": "my fix on top\n"})
    git(root, "commit", "-q", "-am", "my own fix")
    head = repo.head_sha()
    result = repo.undo_last()
    assert not result.done
    assert "is not an Ingle commit" in result.reason
    assert f"the last Ingle commit, {turn[:7]}, has 1 commit on top" in result.reason
    assert repo.head_sha() == head and (root / "app.py").read_text() == "my fix on top\n"


def test_undo_refused_without_any_ingle_commit_or_any_commit(root, tmp_path):
    repo = open_repo(root)
    result = repo.undo_last()
    assert not result.done and "no Ingle commit to undo" in result.reason
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert "no commits yet" in open_repo(empty).undo_last().reason


def test_undo_refused_when_already_pushed(root, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    repo = open_repo(root)
    turn = ingle_turn(repo, {"app.py": "ingle\n"}, set())
    git(root, "push", "-q", "origin", "main")
    result = repo.undo_last()
    assert not result.done
    assert "already pushed to origin/main" in result.reason
    assert f"git revert {turn[:7]}" in result.reason
    assert repo.head_sha() == turn and (root / "app.py").read_text() == "ingle\n"


def test_undo_of_an_unpushed_turn_on_top_of_a_pushed_branch_works(root, tmp_path):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    repo = open_repo(root)
    ingle_turn(repo, {"app.py": "ingle\n"}, set())
    assert repo.undo_last().done
    assert repo.head_sha() == git(root, "rev-parse", "origin/main").strip()


def test_undo_refused_when_it_would_overwrite_uncommitted_changes(root):
    repo = open_repo(root)
    turn = ingle_turn(repo, {"app.py": "ingle\n", "new.py": "n\n"}, {"new.py"})
    write(root, {"new.py": "I kept editing this\n"})
    result = repo.undo_last()
    assert not result.done
    assert result.reason.startswith("you have uncommitted changes in new.py that undo would")
    assert repo.head_sha() == turn
    assert (root / "new.py").read_text() == "I kept editing this\n"


def test_undo_refused_when_a_file_the_turn_deleted_exists_again(root):
    repo = open_repo(root)
    (root / "docs/old notes.md").unlink()
    repo.commit_ingle_change(["docs/old notes.md"], "docs: drop", set())
    write(root, {"docs/old notes.md": "my new notes\n"})
    result = repo.undo_last()
    assert not result.done and "docs/old notes.md" in result.reason
    assert (root / "docs/old notes.md").read_text() == "my new notes\n"


def test_undo_refused_for_an_ingle_commit_the_user_amended(root):
    repo = open_repo(root)
    ingle_turn(repo, {"app.py": "ingle\n"}, set())
    write(root, {"lib/util.py": "X = 99\n"})
    git(root, "commit", "-q", "-a", "--amend", "--no-edit")
    result = repo.undo_last()
    assert not result.done and "rewritten" in result.reason
    assert (root / "lib/util.py").read_text() == "X = 99\n"


def test_undo_of_the_first_commit_leaves_an_unborn_branch(tmp_path, root):
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q", "-b", "trunk")
    repo = open_repo(fresh)
    ingle_turn(repo, {"main.py": "print(1)\n"}, {"main.py"})
    result = repo.undo_last()
    assert result.done and result.removed == ["main.py"] and result.head == ""
    assert not repo.has_commits() and repo.branch == "trunk"
    assert not (fresh / "main.py").exists()
    assert git(fresh, "status", "--porcelain") == ""


def test_undo_on_a_detached_head(root):
    git(root, "checkout", "-q", "--detach")
    repo = open_repo(root)
    before = repo.head_sha()
    ingle_turn(repo, {"app.py": "ingle\n"}, set())
    result = repo.undo_last()
    assert result.done and repo.is_detached() and repo.head_sha() == before
    assert git(root, "rev-parse", "main").strip() == before  # the branch was never moved


def test_undo_twice_stops_at_the_users_saved_work(root):
    repo = open_repo(root)
    write(root, {"app.py": "my unsaved work\n"})
    saved = repo.protect_user_changes(["app.py"], "commit")
    ingle_turn(repo, {"app.py": "ingle's edit\n"}, set())
    assert repo.undo_last().done
    assert (root / "app.py").read_text() == "my unsaved work\n"
    again = repo.undo_last()
    assert not again.done and saved is not None and saved.short_sha in again.reason
    assert (root / "app.py").read_text() == "my unsaved work\n"
