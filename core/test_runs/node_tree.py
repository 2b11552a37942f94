"""A tree Node can test: real files where a candidate tree has symlinks.

Node resolves every module to its real path, so a test file reached through a
symlink into the repository would `require('../lib')` the repository's lib, not
the candidate's edit (--preserve-symlinks cannot help: it breaks npm and every
node_modules/.bin script). For JS test runs, a tree with symlinks is therefore
copied into a temp directory, except node_modules, which stays a link: packages
never import the project's own files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LINKED = "node_modules"
_SKIPPED = {".git"}
MAX_COPIED_FILES = 50_000


class TreeTooLarge(Exception):
    """More files than a per-run copy is worth; tests run on the tree as it is."""


@contextmanager
def node_ready_tree(root: Path) -> Iterator[Path]:
    """`root` itself when it holds no symlinks (a real checkout), else a real copy."""
    if not has_symlinks(root):
        yield root
        return
    holder = Path(tempfile.mkdtemp(prefix="ingle-tests-"))
    try:
        copy = holder / root.name
        copy_following_links(root, copy)
        yield copy
    finally:
        shutil.rmtree(holder, ignore_errors=True)


def has_symlinks(root: Path) -> bool:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIPPED and d != _LINKED]
        for name in (*dirnames, *filenames):
            if os.path.islink(os.path.join(dirpath, name)):
                return True
    return False


def copy_following_links(root: Path, copy: Path) -> None:
    """Copy root's tree with every symlink replaced by what it points at, keeping
    node_modules directories as symlinks to their real location."""
    copied = 0
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link loop
            dirnames[:] = []
            continue
        seen.add(real)
        target = copy / Path(dirpath).relative_to(root)
        target.mkdir(parents=True, exist_ok=True)
        for name in list(dirnames):
            if name in _SKIPPED:
                dirnames.remove(name)
            elif name == _LINKED:
                dirnames.remove(name)
                os.symlink(os.path.realpath(os.path.join(dirpath, name)), target / name)
        for name in filenames:
            source = os.path.join(dirpath, name)
            if not os.path.exists(source):
                continue  # a dangling link: the tool would not see it either
            copied += 1
            if copied > MAX_COPIED_FILES:
                raise TreeTooLarge(f"more than {MAX_COPIED_FILES} files")
            shutil.copy2(source, target / name)
