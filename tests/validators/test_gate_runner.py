"""GateRunner: which gates see which files, results as they finish, what blocks a commit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gate_corpus.toolchain import CORPUS, TOOLS_DIR, gate_settings, require
from ingle.validators.registry import GateRunner
from ingle.validators.results import Diagnostic, GateResult, GatesReport, GateStatus


def _touch(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("\n")


def test_each_file_goes_to_the_gates_of_its_language(tmp_path: Path) -> None:
    _touch(tmp_path, "a.py", "b.go", "C.java", "d.js", "e.ts", "f.html", "style.css", "README.md")
    runner = GateRunner(gate_settings(), TOOLS_DIR)
    files = ["a.py", "b.go", "C.java", "d.js", "e.ts", "f.html", "style.css", "README.md"]
    assert runner.plan(files, tmp_path) == {
        "python": ["a.py"],
        "go": ["b.go"],
        "java": ["C.java"],
        "javascript": ["d.js"],
        "typescript": ["e.ts"],
        "browser": ["d.js", "f.html", "style.css"],
    }


def test_deleted_files_disabled_gates_and_only_narrow_the_plan(tmp_path: Path) -> None:
    _touch(tmp_path, "a.py", "d.js")
    runner = GateRunner(gate_settings(enabled=["python", "javascript"]), TOOLS_DIR)
    assert runner.plan(["a.py", "d.js", "gone.py"], tmp_path) == {
        "python": ["a.py"],
        "javascript": ["d.js"],
    }
    assert runner.plan(["a.py", "d.js"], tmp_path, only=["javascript", "browser"]) == {
        "javascript": ["d.js"]
    }


@pytest.mark.toolchain
async def test_results_stream_as_gates_finish_and_the_report_keeps_gate_order(
    tmp_path: Path,
) -> None:
    require("ruff")
    require("javac")
    shutil.copy(CORPUS / "python/undefined_name.py", tmp_path / "area.py")
    (tmp_path / "A.java").write_text('class A { int x = "s"; }\n')
    async with GateRunner(gate_settings(), TOOLS_DIR) as runner:
        streamed = [r.gate async for r in runner.run(["A.java", "area.py"], tmp_path)]
        report = await runner.report(["A.java", "area.py"], tmp_path)
    assert sorted(streamed) == ["java", "python"]
    assert [(r.gate, r.status) for r in report.results] == [
        ("python", GateStatus.FAILED),
        ("java", GateStatus.FAILED),
    ]


@pytest.mark.toolchain
async def test_a_browser_page_and_its_script_are_gated_together(tmp_path: Path) -> None:
    require("chromium")
    require("eslint")
    shutil.copytree(CORPUS / "browser/game", tmp_path / "game")
    async with GateRunner(gate_settings(), TOOLS_DIR) as runner:
        report = await runner.report(["game/physics.mjs"], tmp_path)
    assert [(r.gate, r.status, [d.rule for d in r.diagnostics]) for r in report.results] == [
        ("javascript", GateStatus.FAILED, ["no-const-assign"]),
        ("browser", GateStatus.FAILED, ["pageerror"]),
    ]
    assert report.results[1].files == ["game/index.html"]


def _result(gate: str, status: GateStatus) -> GateResult:
    return GateResult(
        gate=gate,
        status=status,
        diagnostics=[Diagnostic(file="a", message="m", tool="t")]
        if status is GateStatus.FAILED
        else [],
    )


def test_could_not_run_blocks_only_a_required_gate() -> None:
    report = GatesReport(
        results=[
            _result("python", GateStatus.PASSED),
            _result("go", GateStatus.COULD_NOT_RUN),
            _result("browser", GateStatus.NOT_APPLICABLE),
        ]
    )
    assert report.blocking() == []
    assert [r.gate for r in report.blocking(required=["go"])] == ["go"]
    failing = GatesReport(results=[*report.results, _result("java", GateStatus.FAILED)])
    assert [r.gate for r in failing.blocking()] == ["java"]


def test_a_diagnostic_prints_as_one_line() -> None:
    d = Diagnostic(
        file="app.js",
        line=3,
        column=7,
        message="'x' is\nconstant.",
        rule="no-const-assign",
        tool="eslint",
    )
    assert d.one_line() == "app.js:3:7 error no-const-assign 'x' is | constant."
    assert (
        Diagnostic(file="", message="boom", tool="go build").one_line() == "<go build> error boom"
    )
