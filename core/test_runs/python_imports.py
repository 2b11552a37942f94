"""What a Python file is called when imported, and what it imports.

Read with `ast`, never executed: the repository's code is untrusted until its
tests are run on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath


def module_names(rel: PurePosixPath, root: Path) -> list[str]:
    """Dotted names a file may be imported as: from its import root (the first
    directory up without __init__.py), then each longer form up to the repository
    root, so both `pkg.mod` and `src.pkg.mod` match."""
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts:
        return []
    # How many leading directories are ordinary folders, not packages.
    first_package = len(rel.parts) - 1
    while (
        first_package > 0
        and (root / PurePosixPath(*rel.parts[:first_package]) / "__init__.py").is_file()
    ):
        first_package -= 1
    names = []
    for start in range(min(first_package, len(parts) - 1), -1, -1):
        names.append(".".join(parts[start:]))
    return names


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Dotted names the source imports. `from x import y` yields `x.y` (y may be a
    submodule or a name; either way x ran); a star import yields `x`. Relative
    imports are resolved against `module`. Unparsable source imports nothing."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            if base is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    found.add(base)
                else:
                    found.add(f"{base}.{alias.name}" if base else alias.name)
    return found


def _absolute(module: str | None, level: int, package: str) -> str | None:
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None  # beyond the top: the import would fail anyway
    base = parts[: len(parts) - (level - 1)]
    if module:
        base.append(module)
    return ".".join(base)


def imports_any(imported: set[str], modules: set[str]) -> bool:
    """True when importing `imported` runs one of `modules`: the same module, or
    something inside it (importing pkg.sub runs pkg)."""
    for name in imported:
        parts = name.split(".")
        for n in range(len(parts), 0, -1):
            if ".".join(parts[:n]) in modules:
                return True
    return False
