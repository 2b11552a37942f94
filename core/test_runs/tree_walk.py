"""Walking a source tree the way the test tools see it.

A candidate tree mirrors the repository with symlinks to directories, so walks must
follow symlinks (each real directory once, so a link loop cannot trap us) and skip
what is never source: VCS data, virtualenvs, dependencies, build output.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

SKIP_DIRS = frozenset({
    "node_modules", "__pycache__", "site-packages", "build", "dist", "target", "vendor",
})  # fmt: skip


class TooManyFiles(Exception):
    """The tree is larger than a related-test search is worth; run the full suite."""


def source_files(
    root: Path,
    suffix: str,
    limit: int,
    skip_prefixes: tuple[str, ...] = (".",),
    skip_names: frozenset[str] = frozenset(),
) -> Iterator[PurePosixPath]:
    """Repo-relative posix paths of files ending in `suffix`, following directory
    symlinks. Raises TooManyFiles past `limit` files."""
    seen_dirs: set[str] = set()
    skipped = SKIP_DIRS | skip_names
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen_dirs or "pyvenv.cfg" in filenames:  # a loop, or a virtualenv
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        dirnames[:] = sorted(
            d for d in dirnames if d not in skipped and not d.startswith(skip_prefixes)
        )
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in sorted(filenames):
            if name.endswith(suffix):
                count += 1
                if count > limit:
                    raise TooManyFiles(f"more than {limit} {suffix} files")
                yield PurePosixPath(rel_dir, name) if rel_dir != "." else PurePosixPath(name)
