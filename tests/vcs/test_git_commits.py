"""The git layer on real repositories: opening, dirty-file protection, marked Ingle commits,
identity without config, diffs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.git_env import ANN, git, make_repo
from ingle.core.vcs import (
    DirtyFilesRefused,
    GitOperationError,
    NoIdentity,
    NothingToCommit,
    init_repo,
    open_repo,
)

def test_open_repo_finds_the_work_tree_from_a_subdirectory(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"pkg/mod.py": "x = 1\n"})
    repo = open_repo(root / "pkg")
    assert repo is not None
    assert repo.root == root.resolve()
    assert repo.branch == "main"
    assert repo.tracked_files() == ["pkg/mod.py"]


def test_open_repo_outside_any_repository_is_none_and_a_wrong_path_says_so(tmp_path, gitconfig):
    plain = tmp_path / "plain"
    plain.mkdir()
    assert open_repo(plain) is None
    with pytest.raises(GitOperationError, match="does not exist"):
        open_repo(tmp_path / "missing")


def test_init_repo_then_first_commit_is_ingles(tmp_path, gitconfig):
    gitconfig.write_text(ANN)
    repo = init_repo(tmp_path / "fresh")
    assert not repo.has_commits()
    assert repo.diff_working() == ""
    (repo.root / "hello.py").write_text("print('hi')\n")
    info = repo.commit_ingle_change(["hello.py"], "feat: say hi", created={"hello.py"})
    assert info.ingle and info.files == ["hello.py"] and info.created == ["hello.py"]
    assert repo.has_commits()


def test_dirty_files_sees_staged_unstaged_untracked_and_deleted_but_not_clean(tmp_path, gitconfig):
    root = make_repo(
        tmp_path,
        gitconfig,
        {
            "clean.py": "1\n",
            "edited.py": "1\n",
            "staged.py": "1\n",
            "gone.py": "1\n",
            "sub dir/ünï côde.py": "1\n",
            ".gitignore": "*.log\n",
        },
    )
    repo = open_repo(root)
    (root / "edited.py").write_text("2\n")
    (root / "staged.py").write_text("2\n")
    git(root, "add", "staged.py")
    (root / "gone.py").unlink()
    (root / "new file.py").write_text("n\n")
    (root / "sub dir/ünï côde.py").write_text("2\n")
    (root / "debug.log").write_text("noise\n")
    asked = [
        "clean.py",
        "edited.py",
        "staged.py",
        "gone.py",
        "new file.py",
        "sub dir/ünï côde.py",
        "debug.log",
        "never-existed.py",
    ]
    assert repo.dirty_files(asked) == {
        "edited.py",
        "staged.py",
        "gone.py",
        "new file.py",
        "sub dir/ünï côde.py",
    }
    assert repo.ignored_files(asked) == {"debug.log"}
    assert repo.dirty_files([]) == set()


def test_dirty_file_is_committed_first_as_the_users_own_commit(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"app.py": "a = 1\n", "other.py": "o = 1\n"})
    repo = open_repo(root)
    (root / "app.py").write_text("a = 2  # my unsaved work\n")
    (root / "other.py").write_text("o = 2\n")
    git(root, "add", "other.py")  # staged work on a file the turn does not touch
    saved = repo.protect_user_changes(["app.py"], "commit")
    assert saved is not None
    assert saved.files == ["app.py"]
    assert saved.subject == "wip: save uncommitted changes before Ingle edit"
    assert saved.author == "Ann Example <ann@example.com>"
    assert not saved.ingle
    assert git(root, "show", "HEAD:app.py") == "a = 2  # my unsaved work\n"
    assert git(root, "log", "-1", "--format=%cn") == "Ann Example\n"
    # The other staged file stays staged and out of the commit.
    assert git(root, "status", "--porcelain") == "M  other.py\n"
    assert repo.commit_user_changes(["app.py"]) is None  # now clean: nothing to save


def test_refuse_mode_lists_dirty_files_and_changes_nothing(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "1\n", "b.py": "1\n"})
    repo = open_repo(root)
    head = repo.head_sha()
    (root / "a.py").write_text("mine\n")
    (root / "c.py").write_text("also mine\n")
    with pytest.raises(DirtyFilesRefused) as refused:
        repo.protect_user_changes(["a.py", "b.py", "c.py"], "refuse")
    assert refused.value.files == ["a.py", "c.py"]
    assert "a.py, c.py" in str(refused.value) and "git.dirty_files" in str(refused.value)
    assert repo.head_sha() == head
    assert (root / "a.py").read_text() == "mine\n"
    assert repo.protect_user_changes(["b.py"], "refuse") is None


def test_ingle_commit_is_marked_and_recognised(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"src/fetch.py": "def f(): pass\n"})
    repo = open_repo(root)
    (root / "src/fetch.py").write_text("def f(): return 1\n")
    (root / "src/retry.py").write_text("RETRIES = 3\n")
    info = repo.commit_ingle_change(
        ["src/fetch.py", "src/retry.py"], "feat(src): add retry", {"src/retry.py"}, turn_id="t42"
    )
    assert info.ingle and info.turn_id == "t42"
    assert info.files == ["src/fetch.py", "src/retry.py"]
    assert info.created == ["src/retry.py"]
    assert info.author == "Ann Example (ingle) <ann@example.com>"
    assert git(root, "log", "-1", "--format=%cn <%ce>") == "Ann Example (ingle) <ann@example.com>\n"
    message = git(root, "log", "-1", "--format=%B")
    assert message.startswith("feat(src): add retry\n\n")
    assert "Ingle-Turn: t42\nIngle-Created: src/retry.py" in message
    assert repo.commit_info("HEAD").ingle
    assert repo.last_ingle_commit() == info
    assert git(root, "status", "--porcelain") == ""


def test_ingle_commit_leaves_other_staged_work_alone(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "1\n", "b.py": "1\n"})
    repo = open_repo(root)
    (root / "b.py").write_text("user staged\n")
    git(root, "add", "b.py")
    (root / "a.py").write_text("ingle\n")
    info = repo.commit_ingle_change(["a.py"], "fix: a", set())
    assert info.files == ["a.py"]
    assert git(root, "status", "--porcelain") == "M  b.py\n"


def test_a_rewritten_ingle_commit_is_no_longer_ingles(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "1\n"})
    repo = open_repo(root)
    (root / "a.py").write_text("2\n")
    repo.commit_ingle_change(["a.py"], "fix: a", set())
    (root / "a.py").write_text("3 my own addition\n")
    git(root, "commit", "-q", "-a", "--amend", "--no-edit")  # the user amends it
    info = repo.commit_info()
    assert info.turn_id is not None
    assert not info.ingle
    assert repo.last_ingle_commit() is None


def test_no_identity_configured_commits_without_writing_any_config(tmp_path, gitconfig):
    root = tmp_path / "bare-identity"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    local_config = (root / ".git/config").read_bytes()
    home_before = sorted(p.name for p in Path(gitconfig.parent).iterdir())
    repo = open_repo(root)
    assert not repo.user_identity().configured
    (root / "notes.py").write_text("mine\n")
    # The user's own work is never committed under another name: Ingle asks for theirs.
    with pytest.raises(NoIdentity, match="git does not know who you are") as refused:
        repo.commit_user_changes(["notes.py"])
    assert "git config --global user.name" in str(refused.value)
    assert repo.head_sha() is None
    # Ingle's own commit carries Ingle's name, marked, for this commit only.
    (root / "notes.py").write_text("edited by ingle\n")
    info = repo.commit_ingle_change(["notes.py"], "docs: notes", {"notes.py"})
    assert info.ingle and info.author == "Ingle (ingle) <ingle@localhost>"
    assert (root / ".git/config").read_bytes() == local_config
    assert gitconfig.read_text() == ""
    assert sorted(p.name for p in Path(gitconfig.parent).iterdir()) == home_before
    result = subprocess.run(
        ["git", "config", "user.name"], cwd=root, check=False, capture_output=True
    )
    assert result.returncode == 1  # still unset everywhere


def test_detached_head_branch_is_a_short_sha_and_commits_work(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "1\n"})
    sha = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "-q", "--detach")
    repo = open_repo(root)
    assert repo.branch == sha[:7]
    (root / "a.py").write_text("2\n")
    info = repo.commit_ingle_change(["a.py"], "fix: a", set())
    assert repo.is_detached() and repo.head_sha() == info.sha
    assert repo.branch == info.short_sha


def test_deleted_file_is_committed_as_a_deletion(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"old.py": "1\n", "keep.py": "1\n"})
    repo = open_repo(root)
    (root / "old.py").unlink()
    info = repo.commit_ingle_change(["old.py"], "refactor: drop old.py", set())
    assert info.files == ["old.py"]
    assert git(root, "ls-files") == "keep.py\n"


def test_nothing_changed_and_ignored_files_are_refused_clearly(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "1\n", ".gitignore": "secret.env\n"})
    repo = open_repo(root)
    with pytest.raises(NothingToCommit, match="a.py"):
        repo.commit_ingle_change(["a.py"], "fix: nothing", set())
    (root / "secret.env").write_text("KEY=1\n")
    with pytest.raises(GitOperationError, match="git ignores secret.env"):
        repo.commit_ingle_change(["secret.env"], "chore: key", {"secret.env"})
    assert git(root, "rev-list", "--count", "HEAD") == "1\n"


def test_commits_are_refused_while_a_merge_waits_for_the_user(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "base\n"})
    git(root, "checkout", "-q", "-b", "side")
    (root / "a.py").write_text("side\n")
    git(root, "commit", "-q", "-am", "side")
    git(root, "checkout", "-q", "main")
    (root / "a.py").write_text("main\n")
    git(root, "commit", "-q", "-am", "main")
    subprocess.run(
        ["git", "merge", "side"], cwd=root, check=False, capture_output=True
    )  # conflicts
    repo = open_repo(root)
    with pytest.raises(GitOperationError, match="a merge is in progress"):
        repo.commit_user_changes(["a.py"])


def test_diffs_show_the_last_turn_and_the_working_tree(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a b.py": "one\n"})
    repo = open_repo(root)
    assert repo.last_ingle_diff() == ""
    (root / "a b.py").write_text("two\n")
    info = repo.commit_ingle_change(["a b.py"], "fix: two", set())
    (root / "a b.py").write_text("three\n")
    shown = repo.last_ingle_diff()
    assert info.sha in shown and "-one\n+two\n" in shown and "\x1b[" not in shown
    assert "\x1b[" in repo.last_ingle_diff(color=True)
    working = repo.diff_working()
    assert "diff --git a/a b.py b/a b.py" in working and "-two\n+three\n" in working


def test_a_held_index_lock_fails_clearly_and_loses_nothing(tmp_path, gitconfig):
    root = make_repo(tmp_path, gitconfig, {"a.py": "1\n"})
    with open_repo(root) as repo:
        head = repo.head_sha()
        (root / "a.py").write_text("my work\n")
        (root / ".git/index.lock").write_text("")  # another git process is busy
        with pytest.raises(GitOperationError, match="index.lock': File exists"):
            repo.commit_user_changes(["a.py"])
        assert repo.head_sha() == head
        assert (root / "a.py").read_text() == "my work\n"
        (root / ".git/index.lock").unlink()
        assert repo.commit_user_changes(["a.py"]) is not None
