"""Small sample projects for the test-gate tests, written into tmp dirs from dicts."""

from __future__ import annotations

import textwrap
from pathlib import Path

OUTPUTS = Path(__file__).parent / "outputs"


def write_repo(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> text, dedented) under root; returns root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (not following links) with its bytes: a repository's state."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def recorded_output(name: str) -> str:
    return (OUTPUTS / name).read_text(encoding="utf-8")
