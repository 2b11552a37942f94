"""Go packages of the module at a root, and what each imports, read from the files.

`go test ./...` does not follow directory symlinks, and a candidate tree is made of
them, so the test runner names the packages itself. Imports are read with a small
scanner of `import` declarations (no toolchain needed, nothing executed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ingle.core.test_runs.tree_walk import source_files

_MODULE = re.compile(r"^\s*module\s+(\"?)([^\s\"]+)\1", re.MULTILINE)
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_LINE_COMMENT = re.compile(r"//[^\n]*")
_IMPORT_BLOCK = re.compile(r"\bimport\s*\((.*?)\)", re.DOTALL)
_IMPORT_ONE = re.compile(r"\bimport\s+(?:[\w.]+\s+)?\"([^\"]+)\"")
_QUOTED = re.compile(r"\"([^\"]+)\"|`([^`]+)`")
# Files and directories the go tool ignores.
_GO_SKIP = frozenset({"testdata"})
MAX_GO_FILES = 20_000


@dataclass
class GoPackage:
    directory: str  # relative to the module root, posix, "." for the root package
    imports: set[str] = field(default_factory=set)  # by non-test files
    test_imports: set[str] = field(default_factory=set)  # by _test.go files
    has_tests: bool = False

    @property
    def pattern(self) -> str:
        return "." if self.directory == "." else f"./{self.directory}"


def module_path(root: Path) -> str | None:
    try:
        text = (root / "go.mod").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = _MODULE.search(_LINE_COMMENT.sub("", text))
    return match[2] if match else None


def import_path(module: str, directory: str) -> str:
    return module if directory == "." else f"{module}/{directory}"


def go_packages(root: Path, limit: int = MAX_GO_FILES) -> dict[str, GoPackage]:
    """Packages by directory. Nested modules (a go.mod below the root) are not part
    of this module and are left out, as `go test ./...` leaves them out."""
    packages: dict[str, GoPackage] = {}
    nested: dict[str, bool] = {}
    for rel in source_files(root, ".go", limit, skip_prefixes=(".", "_"), skip_names=_GO_SKIP):
        directory = rel.parent.as_posix()
        if _inside_nested_module(root, rel.parent, nested):
            continue
        package = packages.setdefault(directory, GoPackage(directory))
        source = _read(root / rel)
        imports = imports_of(source)
        if rel.name.endswith("_test.go"):
            package.has_tests = True
            package.test_imports |= imports
        else:
            package.imports |= imports
    return packages


def imports_of(source: str) -> set[str]:
    text = _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", source))
    # Imports come before any other declaration; stop at the first func/type/var.
    head = re.split(r"^\s*(?:func|type|var|const)\b", text, maxsplit=1, flags=re.MULTILINE)[0]
    found: set[str] = set()
    for block in _IMPORT_BLOCK.findall(head):
        for match in _QUOTED.finditer(block):
            found.add(match[1] or match[2])
    found.update(_IMPORT_ONE.findall(head))
    return found


def _inside_nested_module(root: Path, directory: PurePosixPath, memo: dict[str, bool]) -> bool:
    key = directory.as_posix()
    if key == ".":
        return False
    if key not in memo:
        memo[key] = (root / directory / "go.mod").is_file() or _inside_nested_module(
            root, directory.parent, memo
        )
    return memo[key]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
