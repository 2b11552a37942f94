"""Snippets (code blocks from a chat answer): scaffolding and check_snippet per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gate_corpus.toolchain import CORPUS, as_rows, gate_env, require
from ingle.validators.results import GateStatus
from ingle.validators.snippets import check_snippet, scaffold_go, scaffold_java


def test_go_statements_are_wrapped_in_main_under_package_main() -> None:
    scaffold = scaffold_go("x := 1\nprintln(x)")
    assert scaffold.text() == "package main\n\nfunc main() {\nx := 1\nprintln(x)\n}\n"
    assert scaffold.origin == [None, None, None, 1, 2, None]


def test_go_imports_stay_above_the_wrapped_statements() -> None:
    scaffold = scaffold_go('import "fmt"\n\nfmt.Println(1)')
    assert scaffold.lines == [
        "package main",
        "",
        'import "fmt"',
        "",
        "func main() {",
        "fmt.Println(1)",
        "}",
    ]


def test_go_declarations_get_a_package_and_an_empty_main() -> None:
    scaffold = scaffold_go("func add(a, b int) int { return a + b }")
    assert scaffold.lines == [
        "package main", "", "func add(a, b int) int { return a + b }", "", "func main() {}",
    ]  # fmt: skip
    assert scaffold.notes == ["added package main", "added an empty func main"]


def test_a_go_library_package_is_left_alone() -> None:
    code = "package shapes\n\nfunc Area(s float64) float64 { return s * s }"
    assert scaffold_go(code).lines == code.split("\n")


def test_java_statements_get_a_class_a_method_and_common_imports() -> None:
    scaffold = scaffold_java("int x = 1;\nSystem.out.println(x);")
    assert scaffold.file == "Snippet.java"
    assert scaffold.lines[-6:] == [
        "class Snippet {",
        "static void snippet() throws Exception {",
        "int x = 1;",
        "System.out.println(x);",
        "}",
        "}",
    ]
    assert scaffold.lines[0] == "import java.util.*;"


def test_a_public_java_class_names_its_file() -> None:
    assert scaffold_java("public class Reef {}\n").file == "Reef.java"


@pytest.mark.toolchain
async def test_a_go_snippet_gets_its_missing_standard_imports() -> None:
    require("go")
    code = (CORPUS / "go/snippet_missing_import.txt").read_text()
    result = await check_snippet("go", code, gate_env())
    assert result.status is GateStatus.PASSED
    assert as_rows(result.diagnostics) == [
        ["snippet.go", 0, 0, "info", "scaffold", "wrapped the statements in func main"],
        ["snippet.go", 0, 0, "info", "scaffold", "added package main"],
        ["snippet.go", 0, 0, "info", "scaffold", "added imports: fmt, slices, strings"],
    ]


@pytest.mark.toolchain
async def test_go_snippet_errors_point_at_the_snippets_own_lines() -> None:
    require("go")
    result = await check_snippet("go", 'total := 0\nfmt.Printf("%d fish\\n", "many")\n', gate_env())
    assert [row for row in as_rows(result.diagnostics) if row[3] != "info"] == [
        ["snippet.go", 1, 1, "error", None, "declared and not used: total"]
    ]


@pytest.mark.toolchain
async def test_an_unknown_go_package_is_reported_not_invented() -> None:
    require("go")
    code = (CORPUS / "go/snippet_unknown_package.txt").read_text()
    result = await check_snippet("golang", code, gate_env())
    assert [row for row in as_rows(result.diagnostics) if row[3] != "info"] == [
        ["snippet.go", 1, 11, "error", None, "undefined: mux"]
    ]


@pytest.mark.toolchain
async def test_a_java_method_snippet_is_compiled_inside_a_class() -> None:
    require("javac")
    code = (CORPUS / "java/snippets/method.txt").read_text()
    result = await check_snippet("java", code, gate_env())
    assert as_rows(result.diagnostics) == [
        [
            "Snippet.java",
            6,
            12,
            "error",
            None,
            "incompatible types: int cannot be converted to String",
        ],
        ["Snippet.java", 0, 0, "info", "scaffold", "wrapped the methods in class Snippet"],
    ]


@pytest.mark.toolchain
async def test_java_statements_compile_with_the_common_imports() -> None:
    require("javac")
    code = (CORPUS / "java/snippets/statements.txt").read_text()
    result = await check_snippet("java", code, gate_env())
    assert result.status is GateStatus.PASSED, result.diagnostics


@pytest.mark.toolchain
@pytest.mark.parametrize(
    ("language", "code", "expected"),
    [
        (
            "python",
            "print(fishes)\n",
            ["snippet.py", 1, 7, "error", "F821", "Undefined name `fishes`"],
        ),
        (
            "js",
            "const n = 1;\nn++;\n",
            ["snippet.js", 2, 1, "error", "no-const-assign", "'n' is constant."],
        ),
        (
            "typescript",
            'const n: number = "1";\n',
            [
                "snippet.ts",
                1,
                7,
                "error",
                "TS2322",
                "Type 'string' is not assignable to type 'number'.",
            ],
        ),
    ],
)
async def test_script_languages_use_their_gate(language: str, code: str, expected: list) -> None:
    require({"python": "ruff", "js": "eslint", "typescript": "tsc"}[language])
    result = await check_snippet(language, code, gate_env())
    assert as_rows(result.diagnostics) == [expected]


@pytest.mark.toolchain
async def test_an_html_snippet_runs_in_the_browser(tmp_path: Path) -> None:
    require("chromium")
    code = "<script>requestAnimationFrame(() => requestAnimationFrame(() => tank.fill()));</script>"
    result = await check_snippet("html", code, gate_env())
    assert as_rows(result.diagnostics) == [
        ["snippet.html", 1, 70, "error", "pageerror", "ReferenceError: tank is not defined"]
    ]


async def test_a_language_without_a_gate_is_not_applicable() -> None:
    result = await check_snippet("cobol", "DISPLAY 'HI'.", gate_env())
    assert result.status is GateStatus.NOT_APPLICABLE
    assert result.detail == "no gate for language 'cobol'"
