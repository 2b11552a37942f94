"""TypeScript gate: tsc on the corpus, the default config, and a repo's own tsconfig."""

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
from ingle.validators.results import GateStatus
from ingle.validators.typescript_gate import TypeScriptGate

CASES = expected_cases("typescript")


@pytest.mark.toolchain
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
async def test_corpus_gives_exactly_the_expected_diagnostics(case: dict, tmp_path: Path) -> None:
    require("tsc")
    root = copy_case(case["root"], tmp_path)
    result = await TypeScriptGate(gate_env()).run(case["files"], root)
    assert result.status.value == case["status"], result.detail
    assert as_rows(result.diagnostics) == case["diagnostics"]


@pytest.mark.toolchain
async def test_errors_already_in_unchanged_files_are_not_this_changes_fault(tmp_path: Path) -> None:
    require("tsc")
    root = copy_case("typescript/project", tmp_path)
    (root / "src" / "changed.ts").write_text('export const fine: string = "ok";\n')
    result = await TypeScriptGate(gate_env()).run(["src/changed.ts"], root)
    assert result.status is GateStatus.PASSED
    assert "1 diagnostics in unchanged files of tsconfig.json ignored" in result.detail


@pytest.mark.toolchain
async def test_the_default_config_is_strict_and_knows_the_dom(tmp_path: Path) -> None:
    require("tsc")
    (tmp_path / "page.ts").write_text(
        "const canvas = document.querySelector('canvas');\n"
        "export const width: number = canvas.width;\n"
    )
    result = await TypeScriptGate(gate_env()).run(["page.ts"], tmp_path)
    assert as_rows(result.diagnostics) == [
        ["page.ts", 2, 30, "error", "TS18047", "'canvas' is possibly 'null'."]
    ]


@pytest.mark.toolchain
async def test_an_uninstalled_package_import_is_a_warning_a_wrong_path_an_error(
    tmp_path: Path,
) -> None:
    require("tsc")
    (tmp_path / "app.ts").write_text(
        'import confetti from "canvas-confetti";\nimport { x } from "./nowhere";\n'
        "export const y = [confetti, x];\n"
    )
    result = await TypeScriptGate(gate_env()).run(["app.ts"], tmp_path)
    assert [(d.line, d.severity.value, d.rule) for d in result.diagnostics] == [
        (1, "warning", "TS2307"),
        (2, "error", "TS2307"),
    ]
