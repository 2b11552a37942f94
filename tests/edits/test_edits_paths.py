"""Untrusted path checks against real directories and symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ingle.core.edits.path_text import is_path_token, strip_decoration
from ingle.core.edits.paths import check_edit_path, normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("./src/app.py", "src/app.py"),
        ("src\\pkg\\mod.py", "src/pkg/mod.py"),
        ("src//pkg/./mod.py", "src/pkg/mod.py"),
        (".github/workflows/ci.yml", ".github/workflows/ci.yml"),
        (".gitignore", ".gitignore"),
    ],
)
def test_normalise_accepts_relative_paths(raw: str, expected: str) -> None:
    assert normalise(raw).path == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "bad_path"),
        ("./", "bad_path"),
        ("a\x00b.py", "bad_path"),
        ("a\nb.py", "bad_path"),
        ("/abs/x.py", "absolute_path"),
        ("\\\\server\\share\\x.py", "absolute_path"),
        ("D:relative-on-drive.py", "absolute_path"),
        ("~/x.py", "absolute_path"),
        ("a/../../x.py", "parent_traversal"),
        ("a/b/..", "parent_traversal"),
        (".git", "git_dir"),
        ("sub/.Git/HEAD", "git_dir"),
    ],
)
def test_normalise_refuses(raw: str, code: str) -> None:
    verdict = normalise(raw)
    assert verdict.refusal == code and verdict.reason


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("**src/app.py**", "src/app.py"),
        ("`src/app.py`:", "src/app.py"),
        ("### File: `src/app.py`", "src/app.py"),
        ("- path: src/app.py", "src/app.py"),
        ('"my notes.txt"', "my notes.txt"),
        ("\\_\\_init\\_\\_.py", "__init__.py"),
        ("__init__.py", "__init__.py"),
    ],
)
def test_decoration_is_stripped(line: str, path: str) -> None:
    cleaned, wrapped = strip_decoration(line)
    assert cleaned == path and is_path_token(cleaned, allow_spaces=wrapped)


@pytest.mark.parametrize("token", ["return", "x = 1", "foo()", "1.2.3", "...", "http://a/b.py"])
def test_code_and_prose_are_not_paths(token: str) -> None:
    assert not is_path_token(token)


def _check(repo: Path, raw: str, chat: set[str], allow_new: bool = False) -> tuple[str | None, str]:
    verdict = check_edit_path(raw, repo, chat_files=chat, allow_new_files=allow_new, contents={})
    return verdict.refusal, verdict.path or ""


def test_symlink_inside_the_repo_is_fine(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("A = 1\n")
    os.symlink("real.py", tmp_path / "alias.py")
    assert _check(tmp_path, "alias.py", {"alias.py"}) == (None, "alias.py")


def test_dangling_symlink_out_of_the_repo_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(tmp_path / "nowhere" / "x.py", repo / "x.py")
    assert _check(repo, "x.py", {"x.py"}, allow_new=True)[0] == "outside_repo"


def test_symlink_into_git_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]\n")
    os.symlink(".git", tmp_path / "gitdir")
    assert _check(tmp_path, "gitdir/config", {"gitdir/config"})[0] == "git_dir"


def test_repo_root_reached_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.py").write_text("A = 1\n")
    os.symlink(real, tmp_path / "link")
    assert _check(tmp_path / "link", "a.py", {"a.py"}) == (None, "a.py")


def test_new_file_needs_permission_and_existing_file_needs_the_chat(tmp_path: Path) -> None:
    (tmp_path / "old.py").write_text("A = 1\n")
    assert _check(tmp_path, "new.py", set())[0] == "new_file_not_allowed"
    assert _check(tmp_path, "new.py", set(), allow_new=True) == (None, "new.py")
    assert _check(tmp_path, "old.py", set(), allow_new=True)[0] == "not_in_chat"
    # A file the user put in the chat before it exists may be created.
    assert _check(tmp_path, "planned.py", {"planned.py"}) == (None, "planned.py")


def test_binary_by_content_on_disk(tmp_path: Path) -> None:
    (tmp_path / "blob").write_bytes(b"\x7fELF\x00\x00")
    assert _check(tmp_path, "blob", {"blob"})[0] == "binary_file"
