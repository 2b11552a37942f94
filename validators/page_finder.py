"""Which HTML pages to load for a set of changed files.

A changed page is loaded itself. A changed script or stylesheet is checked through the
pages that load it, directly or through scripts that import it (a few levels).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

PAGE_SUFFIXES = (".html", ".htm")
ASSET_SUFFIXES = (".js", ".mjs", ".css", ".json", ".wasm")
_SKIP = {"node_modules", ".git", ".venv", "venv", "__pycache__", "dist", "build"}
_MAX_FILES = 2000
_MAX_DEPTH = 3


def pages_for(files: Sequence[str], root: Path) -> list[str]:
    pages = [f for f in files if f.lower().endswith(PAGE_SUFFIXES)]
    assets = [f for f in files if f.lower().endswith(ASSET_SUFFIXES)]
    if not assets:
        return pages
    html, scripts = _web_files(root)
    wanted = {Path(a).name for a in assets}
    seen = set(wanted)
    for _ in range(_MAX_DEPTH):
        for page, text in html.items():
            if page not in pages and any(name in text for name in wanted):
                pages.append(page)
        # Scripts that import a wanted file are loaded by pages too.
        importers = {Path(s).name for s, text in scripts.items() if any(n in text for n in wanted)}
        wanted = importers - seen
        seen |= wanted
        if not wanted:
            break
    return pages


def _web_files(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    html: dict[str, str] = {}
    scripts: dict[str, str] = {}
    count = 0
    seen_dirs: set[tuple[int, int]] = set()
    # Follow symlinks: in a candidate tree the unchanged directories are links into the
    # repository. Real (device, inode) pairs stop link cycles.
    for directory, subdirs, names in os.walk(root, followlinks=True):
        stat = os.stat(directory)
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            subdirs[:] = []
            continue
        seen_dirs.add((stat.st_dev, stat.st_ino))
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP)  # never walk node_modules
        for name in sorted(names):
            suffix = Path(name).suffix.lower()
            if suffix not in PAGE_SUFFIXES and suffix not in (".js", ".mjs"):
                continue
            count += 1
            if count > _MAX_FILES:
                return html, scripts
            path = Path(directory, name)
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            rel = path.relative_to(root).as_posix()
            (html if suffix in PAGE_SUFFIXES else scripts)[rel] = text
    return html, scripts
