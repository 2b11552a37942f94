"""Python gate: compile + ruff on the corpus, with the exact diagnostics expected."""

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
from ingle.validators.python_gate import PythonGate
from ingle.validators.results import GateStatus

CASES = expected_cases("python")


@pytest.mark.toolchain
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
async def test_corpus_gives_exactly_the_expected_diagnostics(case: dict, tmp_path: Path) -> None:
    require("ruff")
    root = copy_case(case["root"], tmp_path)
    result = await PythonGate(gate_env()).run(case["files"], root)
    assert result.status.value == case["status"], result.detail
    assert as_rows(result.diagnostics) == case["diagnostics"]


@pytest.mark.toolchain
async def test_noqa_comments_and_user_ruff_config_cannot_silence_the_gate(tmp_path: Path) -> None:
    require("ruff")
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nignore = ["F821"]\n')
    (tmp_path / "app.py").write_text("print(undefined_name)  # noqa: F821\n")
    result = await PythonGate(gate_env()).run(["app.py"], tmp_path)
    assert result.status is GateStatus.FAILED
    assert [d.rule for d in result.diagnostics] == ["F821"]


@pytest.mark.toolchain
async def test_style_problems_never_fail_the_gate(tmp_path: Path) -> None:
    require("ruff")
    (tmp_path / "style.py").write_text("import sys,os\nx=[1,2 ,3]\nprint( x )\n")
    result = await PythonGate(gate_env()).run(["style.py"], tmp_path)
    assert result.status is GateStatus.PASSED
    assert result.diagnostics == []


async def test_no_pyc_is_written_next_to_the_checked_file(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("VALUE = 1\n")
    await PythonGate(gate_env()).run(["mod.py"], tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mod.py"]


async def test_a_configured_ruff_that_does_not_exist_is_could_not_run(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("VALUE = 1\n")
    env = gate_env(python_ruff=str(tmp_path / "no-such-ruff"))
    result = await PythonGate(env).run(["mod.py"], tmp_path)
    assert result.status is GateStatus.COULD_NOT_RUN
    assert "no-such-ruff is not an executable file" in result.detail
    assert "pip install ruff" in result.install_hint


async def test_syntax_warnings_are_warnings_not_failures(tmp_path: Path) -> None:
    require("ruff")
    (tmp_path / "warn.py").write_text('PATTERN = "\\d+"\n')
    result = await PythonGate(gate_env()).run(["warn.py"], tmp_path)
    assert result.status is GateStatus.PASSED
    [row] = as_rows(result.diagnostics)
    # The warning's class changed in Python 3.12; where and what it says did not.
    file, line, column, severity, rule, message = row
    assert (file, line, column, severity) == ("warn.py", 1, 0, "warning")
    assert rule in ("DeprecationWarning", "SyntaxWarning")
    assert message == "invalid escape sequence '\\d'"
