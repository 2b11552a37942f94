"""Java gate: javac -Xlint on the corpus; lint is a warning, a compile error fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gate_corpus.toolchain import (
    as_rows,
    case_id,
    copy_case,
    expected_cases,
    gate_env,
    require,
)
from ingle.validators.java_gate import JavaGate, source_root
from ingle.validators.results import GateStatus

CASES = expected_cases("java")


@pytest.mark.toolchain
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
async def test_corpus_gives_exactly_the_expected_diagnostics(case: dict, tmp_path: Path) -> None:
    require("javac")
    root = copy_case(case["root"], tmp_path)
    result = await JavaGate(gate_env()).run(case["files"], root)
    assert result.status.value == case["status"], result.detail
    assert as_rows(result.diagnostics) == case["diagnostics"]
    assert not list(root.rglob("*.class"))  # class files go to a temp dir


@pytest.mark.toolchain
async def test_lint_findings_are_warnings_with_their_lint_name(tmp_path: Path) -> None:
    require("javac")
    (tmp_path / "Tank.java").write_text(
        "import java.util.*;\n\nclass Tank {\n    List fish = new ArrayList();\n}\n"
    )
    result = await JavaGate(gate_env()).run(["Tank.java"], tmp_path)
    assert result.status is GateStatus.PASSED
    assert [(d.line, d.column, d.severity.value, d.rule) for d in result.diagnostics] == [
        (4, 5, "warning", "rawtypes"),
        (4, 21, "warning", "rawtypes"),
    ]


@pytest.mark.toolchain
async def test_a_broken_class_elsewhere_in_the_source_tree_is_found_through_sourcepath(
    tmp_path: Path,
) -> None:
    require("javac")
    root = copy_case("java/good", tmp_path)
    util = root / "src/main/java/com/example/Util.java"
    util.write_text(util.read_text().replace("static int twice", "static long twice"))
    result = await JavaGate(gate_env()).run(["src/main/java/com/example/App.java"], root)
    assert result.status is GateStatus.PASSED  # long into println(long) is fine
    (root / "src/main/java/com/example/App.java").write_text(
        "package com.example;\n\npublic class App {\n"
        "    static int four() { return Util.twice(2); }\n}\n"
    )
    result = await JavaGate(gate_env()).run(["src/main/java/com/example/App.java"], root)
    assert as_rows(result.diagnostics) == [
        [
            "src/main/java/com/example/App.java", 4, 42, "error", None,
            "incompatible types: possible lossy conversion from long to int",
        ]
    ]  # fmt: skip


def test_the_source_root_comes_from_the_package_clause(tmp_path: Path) -> None:
    nested = tmp_path / "src/main/java/com/example"
    nested.mkdir(parents=True)
    (nested / "A.java").write_text("package com.example;\nclass A {}\n")
    (tmp_path / "B.java").write_text("class B {}\n")
    (tmp_path / "Odd.java").write_text("package not.matching;\nclass Odd {}\n")
    assert source_root(tmp_path, "src/main/java/com/example/A.java") == "src/main/java"
    assert source_root(tmp_path, "B.java") == "."
    assert source_root(tmp_path, "Odd.java") == "."


async def test_a_configured_javac_that_does_not_exist_is_could_not_run(tmp_path: Path) -> None:
    (tmp_path / "A.java").write_text("class A {}\n")
    result = await JavaGate(gate_env(javac_executable="/nonexistent/javac")).run(
        ["A.java"], tmp_path
    )
    assert result.status is GateStatus.COULD_NOT_RUN
    assert "default-jdk-headless" in result.install_hint
