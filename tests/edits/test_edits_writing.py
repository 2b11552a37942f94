"""write_atomically on real directories: conventions kept, all or nothing, never outside."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ingle.core.edits import WriteFailed, write_atomically


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every file (content), symlink (target) and directory ("<dir>") under root."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "<dir>"
            else:
                found[rel] = path.read_bytes()
    return found


def _umask() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return None


def test_writes_files_and_keeps_each_files_conventions(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_bytes(b"#!/bin/sh\necho a\n")
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "win.txt").write_bytes(b"one\r\ntwo\r\n")
    (tmp_path / "bare.py").write_bytes(b"x = 1")
    (tmp_path / "bom.cs").write_bytes(b"\xef\xbb\xbfclass A {}\n")
    write_atomically(
        tmp_path,
        {
            "run.sh": "#!/bin/sh\necho b\n",
            "win.txt": "one\n2\n",
            "bare.py": "x = 2\n",
            "bom.cs": "class B {}\n",
            "pkg/sub/new.py": "N = 1\n",
        },
    )
    assert (tmp_path / "run.sh").read_bytes() == b"#!/bin/sh\necho b\n"
    assert stat.S_IMODE((tmp_path / "run.sh").stat().st_mode) == 0o755
    assert (tmp_path / "win.txt").read_bytes() == b"one\r\n2\r\n"
    assert (tmp_path / "bare.py").read_bytes() == b"x = 2"
    assert (tmp_path / "bom.cs").read_bytes() == b"\xef\xbb\xbfclass B {}\n"
    assert (tmp_path / "pkg/sub/new.py").read_bytes() == b"N = 1\n"
    umask = _umask()
    if umask is not None:  # new files get the user's usual mode, not a temp file's 0600
        assert stat.S_IMODE((tmp_path / "pkg/sub/new.py").stat().st_mode) == 0o666 & ~umask
    assert not [p for p in _tree(tmp_path) if ".ingle-" in p]


def test_a_symlink_inside_the_repo_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("A = 1\n")
    os.symlink("real.py", tmp_path / "alias.py")
    write_atomically(tmp_path, {"alias.py": "A = 2\n"})
    assert (tmp_path / "alias.py").is_symlink()
    assert (tmp_path / "real.py").read_text() == "A = 2\n"


@pytest.mark.parametrize("bad", ["../escape.txt", "/tmp/abs.txt", ".git/config", "link/x.txt"])
def test_paths_outside_the_repo_are_refused_before_anything_is_written(
    tmp_path: Path, bad: str
) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / ".git").mkdir()
    (repo / "a.txt").write_text("a\n")
    os.symlink(outside, repo / "link")
    before, outside_before = _tree(repo), _tree(outside)
    with pytest.raises(WriteFailed, match="no file was changed"):
        write_atomically(repo, {"a.txt": "changed\n", bad: "pwned\n"})
    assert _tree(repo) == before and _tree(outside) == outside_before


def test_the_same_file_twice_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("A\n")
    with pytest.raises(WriteFailed, match="same file"):
        write_atomically(tmp_path, {"a.py": "B\n", "./a.py": "C\n"})
    assert (tmp_path / "a.py").read_text() == "A\n"


def test_a_directory_in_the_way_fails_before_any_file_changes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "inner.txt").write_text("i\n")
    before = _tree(tmp_path)
    with pytest.raises(WriteFailed, match="could not prepare b") as info:
        write_atomically(tmp_path, {"a.txt": "A\n", "b": "file where a directory is\n"})
    assert "no file was changed" in str(info.value)
    assert _tree(tmp_path) == before


def test_a_file_where_a_directory_must_go_leaves_no_trace(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "blocker").write_text("i am a file\n")
    before = _tree(tmp_path)
    with pytest.raises(WriteFailed):
        write_atomically(
            tmp_path,
            {"a.txt": "A\n", "new/deep/x.py": "X\n", "blocker/y.py": "Y\n"},
        )
    # The directories made for new/deep/x.py are gone again, as are all temp files.
    assert _tree(tmp_path) == before


def test_failure_while_replacing_restores_files_already_replaced(tmp_path: Path) -> None:
    # "x" and "x/y" cannot both exist: preparing x/y makes the directory x, so
    # replacing the file x fails in the commit phase, after a.txt and m.txt were
    # already replaced. Everything must be rolled back.
    (tmp_path / "a.txt").write_bytes(b"original a\r\n")
    (tmp_path / "a.txt").chmod(0o640)
    before = _tree(tmp_path)
    with pytest.raises(WriteFailed, match="every file was restored") as info:
        write_atomically(
            tmp_path, {"a.txt": "new a\n", "m.txt": "new m\n", "x": "file\n", "x/y": "nested\n"}
        )
    assert "writing x failed" in str(info.value)
    assert _tree(tmp_path) == before
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640


def test_nothing_to_write_is_a_no_op(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a\n")
    before = _tree(tmp_path)
    write_atomically(tmp_path, {})
    assert _tree(tmp_path) == before
