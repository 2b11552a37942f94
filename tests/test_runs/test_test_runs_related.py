"""Choosing the tests related to changed files: pytest files from imports (directly or
through the repository's own modules), go packages and their importers; None (run the
full suite) whenever the change cannot be traced."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.core.test_runs.detect import configured_command, detect_test_command
from ingle.core.test_runs.models import RelatedSelection, TestCommand, TestKind
from ingle.core.test_runs.related import related_tests
from tests.test_repos.writer import write_repo

PYTHON_REPO = {
    "calc.py": "def add(a, b):\n    return a + b\n",
    "shapes/__init__.py": "from .area import square\n",
    "shapes/area.py": "from calc import add\n\ndef square(x):\n    return x * x\n",
    "labels.py": "NAMES = ['square']\n",
    "src/textkit/__init__.py": "",
    "src/textkit/words.py": "def count(s):\n    return len(s.split())\n",
    "tests/helpers.py": "from labels import NAMES\n",
    "tests/test_calc.py": "import calc\n\ndef test_add():\n    assert calc.add(1, 1) == 2\n",
    "tests/test_shapes.py": "from shapes import square\n\ndef test_sq():\n    assert square(2) == 4\n",
    "tests/test_names.py": "from tests.helpers import NAMES\n\ndef test_n():\n    assert NAMES\n",
    "tests/test_words.py": "from textkit.words import count\n\ndef test_c():\n    assert count('a b') == 2\n",
    "tests/unit/conftest.py": "",
    "tests/unit/test_unit.py": "def test_u():\n    pass\n",
    "tests/unit/test_rel.py": "from ..helpers import NAMES\n\ndef test_r():\n    assert NAMES\n",
    "tests/unit/__init__.py": "",
    "tests/__init__.py": "",
    "README.md": "# demo\n",
}


def _pytest_command(root: Path) -> TestCommand:
    command = detect_test_command(root)
    assert command is not None and command.kind is TestKind.PYTEST
    return command


def _targets(selection: RelatedSelection | None) -> list[str] | None:
    return None if selection is None else selection.targets


@pytest.mark.parametrize(
    ("changed", "targets"),
    [
        # Directly imported, and through shapes/area.py -> shapes/__init__.py.
        (["calc.py"], ["tests/test_calc.py", "tests/test_shapes.py"]),
        # A package's __init__ runs for every import of anything inside it.
        (["shapes/__init__.py"], ["tests/test_shapes.py"]),
        (["shapes/area.py"], ["tests/test_shapes.py"]),
        # Through a helper module in tests/, imported absolutely and relatively.
        (["labels.py"], ["tests/test_names.py", "tests/unit/test_rel.py"]),
        # A src layout module is imported without its src/ prefix.
        (["src/textkit/words.py"], ["tests/test_words.py"]),
        # A changed test file runs itself; docs do not change what tests do.
        (["tests/unit/test_unit.py", "README.md"], ["tests/unit/test_unit.py"]),
        # A conftest below the root shapes the tests of its directory.
        (["tests/unit/conftest.py"], ["tests/unit"]),
    ],
)
def test_pytest_selection_follows_imports(
    tmp_path: Path, changed: list[str], targets: list[str]
) -> None:
    root = write_repo(tmp_path, PYTHON_REPO)
    selection = related_tests(_pytest_command(root), root, changed)
    assert _targets(selection) == targets
    assert selection is not None and selection.kind is TestKind.PYTEST


def test_pytest_selection_says_why(tmp_path: Path) -> None:
    root = write_repo(tmp_path, PYTHON_REPO)
    selection = related_tests(_pytest_command(root), root, ["calc.py", "src/textkit/words.py"])
    assert selection is not None
    assert selection.reason == "test files that import calc, textkit.words"


@pytest.mark.parametrize(
    "changed",
    [
        ["conftest.py"],  # the root conftest shapes every test
        ["calc.py", "data/table.csv"],  # a data file's readers cannot be traced
        ["shapes/unused.py"],  # nothing imports it: no related tests, so the full suite
        [],
    ],
)
def test_pytest_changes_that_cannot_be_narrowed_mean_the_full_suite(
    tmp_path: Path, changed: list[str]
) -> None:
    root = write_repo(tmp_path, {**PYTHON_REPO, "conftest.py": "", "shapes/unused.py": "X = 1\n"})
    assert related_tests(_pytest_command(root), root, changed) is None


def test_pytest_selection_sees_through_a_candidate_tree(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", PYTHON_REPO)
    with candidate_tree(repo, {"calc.py": "def add(a, b):\n    return a - b\n"}) as view:
        assert (view / "tests").is_symlink()
        selection = related_tests(_pytest_command(view), view, ["calc.py"])
    assert _targets(selection) == ["tests/test_calc.py", "tests/test_shapes.py"]


def test_unparsable_python_files_are_skipped_not_fatal(tmp_path: Path) -> None:
    root = write_repo(
        tmp_path, {**PYTHON_REPO, "tests/test_broken.py": "import calc\ndef oops(:\n"}
    )
    selection = related_tests(_pytest_command(root), root, ["calc.py"])
    assert _targets(selection) == ["tests/test_calc.py", "tests/test_shapes.py"]


GO_REPO = {
    "go.mod": "module example.com/demo\n\ngo 1.22\n",
    "calc/calc.go": "package calc\n\nfunc Add(a, b int) int { return a + b }\n",
    "calc/calc_test.go": 'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {}\n',
    "util/util.go": 'package util\n\nimport (\n\tc "example.com/demo/calc"\n)\n\nfunc Twice(a int) int { return c.Add(a, a) }\n',
    "util/util_test.go": 'package util\n\nimport "testing"\n\nfunc TestTwice(t *testing.T) {}\n',
    "report/report.go": 'package report\n\n// import "example.com/demo/calc" in a comment is not an import\nfunc Name() string { return "r" }\n',
    "report/report_test.go": 'package report_test\n\nimport (\n\t"testing"\n\n\t"example.com/demo/util"\n)\n\nfunc TestUses(t *testing.T) { _ = util.Twice }\n',
    "cmd/tool/main.go": 'package main\n\nimport "example.com/demo/util"\n\nfunc main() { _ = util.Twice(1) }\n',
    "other/other.go": "package other\n",
    "other/other_test.go": 'package other\n\nimport "testing"\n\nfunc TestOther(t *testing.T) {}\n',
    "nested/go.mod": "module example.com/nested\n",
    "nested/n.go": "package nested\n",
    "calc/testdata/fixture.go": "package ignored\n",
}


@pytest.mark.parametrize(
    ("changed", "targets"),
    [
        # util imports calc; report's external test package imports util.
        (["calc/calc.go"], ["./calc", "./report", "./util"]),
        (["util/util.go"], ["./report", "./util"]),
        (["calc/calc_test.go"], ["./calc"]),
        (["other/other.go", "docs/notes.md"], ["./other"]),
    ],
)
def test_go_selection_is_the_changed_packages_and_their_importers(
    tmp_path: Path, changed: list[str], targets: list[str]
) -> None:
    root = write_repo(tmp_path, GO_REPO)
    command = detect_test_command(root)
    assert command is not None and command.kind is TestKind.GO
    selection = related_tests(command, root, changed)
    assert _targets(selection) == targets


@pytest.mark.parametrize(
    "changed",
    [
        ["go.mod"],
        ["calc/calc.go", "go.sum"],
        ["nested/n.go"],
        ["calc/testdata/fixture.go"],
        ["cmd/tool/main.go"],
    ],
)
def test_go_changes_that_cannot_be_narrowed_mean_the_full_suite(
    tmp_path: Path, changed: list[str]
) -> None:
    root = write_repo(tmp_path, GO_REPO)
    command = detect_test_command(root)
    assert command is not None
    assert related_tests(command, root, changed) is None


def test_go_selection_sees_through_a_candidate_tree(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", GO_REPO)
    with candidate_tree(repo, {"util/util.go": GO_REPO["util/util.go"] + "\n// edited\n"}) as view:
        assert (view / "report").is_symlink()
        command = detect_test_command(view)
        assert command is not None
        selection = related_tests(command, view, ["util/util.go"])
    assert selection is not None
    assert (selection.targets, selection.reason) == (
        ["./report", "./util"],
        "the changed packages (./util) and their importers",
    )


@pytest.mark.parametrize("command", ["npm test", "cargo test", "make test"])
def test_other_tools_run_their_full_suite(tmp_path: Path, command: str) -> None:
    root = write_repo(tmp_path, PYTHON_REPO)
    assert related_tests(configured_command(command), root, ["calc.py"]) is None
