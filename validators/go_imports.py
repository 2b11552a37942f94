"""goimports-style resolution of missing standard-library imports.

goimports itself lives in golang.org/x/tools, which an offline machine (GOPROXY=off)
cannot fetch, so this does the standard-library part of its job: index the packages
under GOROOT/src by name, and for a name the compiler calls undefined pick the package
that declares every symbol the code uses from it (`rand.IntN` -> math/rand/v2), the
shortest import path on a tie, as goimports does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

_SKIP_DIRS = {"cmd", "testdata", "internal", "vendor", "builtin"}
_PACKAGE_CLAUSE = re.compile(rb"^package\s+(\w+)", re.MULTILINE)


class StdIndex:
    """Standard-library packages by package name, read from a GOROOT."""

    def __init__(self, goroot: Path) -> None:
        self.goroot = goroot
        self.by_name: dict[str, list[str]] = {}
        src = goroot / "src"
        for directory in sorted(src.rglob("*")):
            if not directory.is_dir():
                continue
            parts = directory.relative_to(src).parts
            if any(p in _SKIP_DIRS or p.startswith((".", "_")) for p in parts):
                continue
            name = _package_name(directory)
            if name and name != "main":
                self.by_name.setdefault(name, []).append("/".join(parts))

    def resolve(self, name: str, symbols: Iterable[str]) -> str | None:
        """The import path for package `name` given the exported symbols used from it."""
        candidates = self.by_name.get(name, [])
        wanted = set(symbols)
        fitting = [c for c in candidates if wanted <= _exported(self.goroot / "src" / c, wanted)]
        pool = fitting or ([] if wanted else candidates)
        return min(pool, key=lambda p: (len(p), p)) if pool else None


def _package_name(directory: Path) -> str | None:
    for source in sorted(directory.glob("*.go")):
        if source.name.endswith("_test.go"):
            continue
        try:
            head = source.read_bytes()[:4096]
        except OSError:
            continue
        if match := _PACKAGE_CLAUSE.search(head):
            return match[1].decode()
    return None


def _exported(directory: Path, names: set[str]) -> set[str]:
    """Which of `names` the package declares at top level (std sources are gofmt'ed:
    a top-level name starts a line, or a tab-indented line inside a var/const/type group)."""
    found: set[str] = set()
    if not names:
        return found
    pattern = re.compile(
        r"^(?:func\s+|type\s+|var\s+|const\s+|\t)(" + "|".join(map(re.escape, names)) + r")\b",
        re.MULTILINE,
    )
    for source in directory.glob("*.go"):
        if source.name.endswith("_test.go"):
            continue
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.update(pattern.findall(text))
        if found == names:
            break
    return found


def used_symbols(source: str, package: str) -> set[str]:
    """Exported names the source selects from `package` (`strings.Join` -> Join)."""
    return set(re.findall(rf"\b{re.escape(package)}\.([A-Z]\w*)", source))


_UNDEFINED = re.compile(r"undefined: (\w+)$")


def undefined_names(messages: Iterable[str]) -> set[str]:
    return {m[1] for text in messages if (m := _UNDEFINED.search(text))}


def import_block(paths: Iterable[str]) -> list[str]:
    return ["import ("] + [f'\t"{p}"' for p in sorted(set(paths))] + [")"]
