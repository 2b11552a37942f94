"""A throwaway view of the repository with a turn's candidate edits applied.

Gates must see the changed files in their real place (a Go package, a Java
source tree, an HTML page loading its scripts) without copying the whole
repository on every attempt. The view is a temp directory that mirrors the repo
with symlinks, except along the paths to changed files, where directories are
real and the changed files are written out. Building it costs a few syscalls
per directory on the way to each changed file, whatever the repository's size.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

# Never mirrored: a tool following .git into the real repository could write there.
_SKIP = {".git"}


@contextmanager
def candidate_tree(repo_root: Path, new_contents: Mapping[str, str]) -> Iterator[Path]:
    """Yield a temp root where `new_contents` (repo-relative posix paths) replace the
    repository's files and everything else is a symlink to the real repository."""
    tmp = Path(tempfile.mkdtemp(prefix="ingle-candidate-"))
    try:
        _build(repo_root.resolve(), tmp, new_contents)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _build(repo_root: Path, tmp: Path, new_contents: Mapping[str, str]) -> None:
    # Directories that must be real (they contain a changed file somewhere below).
    real_dirs: set[PurePosixPath] = {PurePosixPath(".")}
    for rel in new_contents:
        for parent in PurePosixPath(rel).parents:
            real_dirs.add(parent)
    for rel_dir in sorted(real_dirs, key=lambda p: len(p.parts)):
        src_dir = repo_root / rel_dir
        dst_dir = tmp / rel_dir
        dst_dir.mkdir(parents=True, exist_ok=True)
        if not src_dir.is_dir():
            continue  # a directory the turn creates
        for entry in os.scandir(src_dir):
            rel = PurePosixPath(rel_dir, entry.name) if str(rel_dir) != "." else PurePosixPath(entry.name)
            if entry.name in _SKIP or rel in real_dirs or str(rel) in new_contents:
                continue
            os.symlink(entry.path, dst_dir / entry.name)
    for rel, text in new_contents.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
