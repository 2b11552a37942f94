"""Choosing the tests related to a turn's changed files, to run them first.

pytest: test files that import a changed module, directly or through other modules
of the repository, and changed test files themselves. go: the changed packages and
the packages that import them. Anything else, or a change the tool cannot narrow
(a root conftest.py, go.mod, a data file), returns None: run the full suite.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ingle.core.test_runs.go_packages import go_packages, import_path, module_path
from ingle.core.test_runs.models import RelatedSelection, TestCommand, TestKind
from ingle.core.test_runs.python_imports import imported_modules, imports_any, module_names
from ingle.core.test_runs.tree_walk import TooManyFiles, source_files

# Changes to these never change what a test does.
_DOC_SUFFIXES = (".md", ".rst", ".txt")
MAX_PYTHON_FILES = 5_000


def related_tests(command: TestCommand, root: Path, changed: list[str]) -> RelatedSelection | None:
    if command.kind is TestKind.PYTEST:
        return _pytest_related(root, changed)
    if command.kind is TestKind.GO:
        return _go_related(root, changed)
    return None


def is_python_test_file(name: str) -> bool:
    """pytest's default `python_files`: test_*.py and *_test.py."""
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _only(changed: list[str], suffix: str) -> list[PurePosixPath] | None:
    """The changed files with `suffix`; None when another kind of file changed too
    (its effect on tests cannot be traced), or nothing with the suffix did."""
    kept: list[PurePosixPath] = []
    for name in changed:
        path = PurePosixPath(name)
        if path.suffix == suffix:
            kept.append(path)
        elif not name.endswith(_DOC_SUFFIXES):
            return None
    return kept or None


def _pytest_related(root: Path, changed: list[str]) -> RelatedSelection | None:
    changed_py = _only(changed, ".py")
    if changed_py is None:
        return None
    targets: set[str] = set()
    changed_modules: set[str] = set()
    shown: list[str] = []
    for rel in changed_py:
        if rel.name == "conftest.py":
            if rel.parent == PurePosixPath("."):
                return None  # the root conftest shapes every test
            targets.add(rel.parent.as_posix())
        elif is_python_test_file(rel.name):
            targets.add(rel.as_posix())
        elif aliases := module_names(rel, root):
            changed_modules.update(aliases)
            shown.append(aliases[0])
    if changed_modules:
        try:
            targets |= _tests_importing(root, changed_modules)
        except TooManyFiles:
            return None
    if not targets:
        return None
    reason = (
        f"test files that import {', '.join(sorted(shown))}" if shown else "the changed test files"
    )
    return RelatedSelection(kind=TestKind.PYTEST, targets=sorted(targets), reason=reason)


def _tests_importing(root: Path, changed_modules: set[str]) -> set[str]:
    """Test files whose imports reach a changed module through the repository's own
    modules (a helper that imports the changed module counts)."""
    files = list(source_files(root, ".py", MAX_PYTHON_FILES))
    imports: dict[PurePosixPath, set[str]] = {}
    names: dict[PurePosixPath, list[str]] = {}
    for rel in files:
        names[rel] = module_names(rel, root)
        text = _read(root / rel)
        own = names[rel][0] if names[rel] else ""
        imports[rel] = imported_modules(text, own, rel.name == "__init__.py")
    affected = set(changed_modules)
    pending = [rel for rel in files if not is_python_test_file(rel.name)]
    grew = True
    while grew:  # until no module joins: each round adds importers of the last round's
        grew = False
        still: list[PurePosixPath] = []
        for rel in pending:
            if imports_any(imports[rel], affected):
                affected.update(names[rel])
                grew = True
            else:
                still.append(rel)
        pending = still
    return {
        rel.as_posix()
        for rel in files
        if is_python_test_file(rel.name) and imports_any(imports[rel], affected)
    }


def _go_related(root: Path, changed: list[str]) -> RelatedSelection | None:
    changed_go = _only(changed, ".go")
    module = module_path(root)
    if changed_go is None or module is None:
        return None
    try:
        packages = go_packages(root)
    except TooManyFiles:
        return None
    changed_dirs = {rel.parent.as_posix() for rel in changed_go}
    if not changed_dirs <= packages.keys():
        return None  # testdata, an ignored directory or a nested module: let go decide
    # A change to _test.go files only touches that package's tests, not its importers.
    affected_dirs = {
        rel.parent.as_posix() for rel in changed_go if not rel.name.endswith("_test.go")
    }
    affected = {import_path(module, d) for d in affected_dirs}
    grew = True
    while grew:
        grew = False
        for directory, package in packages.items():
            if directory not in affected_dirs and package.imports & affected:
                affected.add(import_path(module, directory))
                affected_dirs.add(directory)
                grew = True
    chosen = {
        directory
        for directory, package in packages.items()
        if package.has_tests
        and (directory in changed_dirs | affected_dirs or package.test_imports & affected)
    }
    if not chosen:
        return None
    targets = sorted(packages[d].pattern for d in chosen)
    shown = ", ".join(sorted(packages[d].pattern for d in changed_dirs))
    return RelatedSelection(
        kind=TestKind.GO,
        targets=targets,
        reason=f"the changed packages ({shown}) and their importers",
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
