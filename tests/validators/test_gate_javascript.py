"""JavaScript gate: node --check + ESLint on the corpus; what happens without ESLint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.gate_corpus.toolchain import (
    CORPUS,
    as_rows,
    case_id,
    copy_case,
    expected_cases,
    gate_env,
    require,
)
from ingle.validators.gate import GateEnv
from ingle.validators.javascript_gate import JavaScriptGate
from ingle.validators.npm_tools import ensure_npm_tool, install_tools
from ingle.validators.results import GateStatus
from ingle.validators.settings import GateSettings

CASES = expected_cases("javascript")


@pytest.mark.toolchain
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
async def test_corpus_gives_exactly_the_expected_diagnostics(case: dict, tmp_path: Path) -> None:
    require("node")
    require("eslint")
    root = copy_case(case["root"], tmp_path)
    result = await JavaScriptGate(gate_env()).run(case["files"], root)
    assert result.status.value == case["status"], result.detail
    assert as_rows(result.diagnostics) == case["diagnostics"]


@pytest.mark.toolchain
async def test_the_projects_own_eslint_config_is_not_used(tmp_path: Path) -> None:
    require("node")
    require("eslint")
    # A project config that would turn everything off (and a rule from a missing plugin).
    (tmp_path / "eslint.config.js").write_text(
        "export default [{ rules: { 'no-undef': 'off' } }];\n"
    )
    (tmp_path / "app.js").write_text("/* eslint-disable */\nnotDefined();\n")
    result = await JavaScriptGate(gate_env()).run(["app.js"], tmp_path)
    assert as_rows(result.diagnostics) == [
        ["app.js", 2, 1, "error", "no-undef", "'notDefined' is not defined."]
    ]


@pytest.mark.toolchain
async def test_module_and_commonjs_files_get_their_own_globals(tmp_path: Path) -> None:
    require("node")
    require("eslint")
    (tmp_path / "lib.mjs").write_text("export const limit = 3;\n")
    (tmp_path / "app.mjs").write_text("import { limit } from './lib.mjs';\nconsole.log(limit);\n")
    (tmp_path / "tool.cjs").write_text("const fs = require('fs');\nmodule.exports = fs;\n")
    result = await JavaScriptGate(gate_env()).run(["app.mjs", "tool.cjs"], tmp_path)
    assert result.status is GateStatus.PASSED, result.diagnostics


@pytest.mark.toolchain
async def test_without_eslint_syntax_is_still_checked(tmp_path: Path) -> None:
    """No ESLint anywhere and installs off: a syntax error still fails the gate, a file
    that parses is could-not-run (the runtime-bug pass did not happen), never passed."""
    require("node")
    env = GateEnv(settings=GateSettings(auto_install_tools=False), tools_dir=tmp_path / "empty")
    (tmp_path / "bad.js").write_text("let a = ;\n")
    (tmp_path / "ok.js").write_text("const a = 1;\na = 2;\n")
    broken = await JavaScriptGate(env).run(["bad.js"], tmp_path)
    assert broken.status is GateStatus.FAILED
    assert as_rows(broken.diagnostics) == [
        ["bad.js", 1, 9, "error", "SyntaxError", "Unexpected token ';'"]
    ]
    unlinted = await JavaScriptGate(env).run(["ok.js"], tmp_path)
    assert unlinted.status is GateStatus.COULD_NOT_RUN
    assert "ESLint unavailable" in unlinted.detail
    assert "ingle doctor --install-tools" in unlinted.install_hint


async def test_a_configured_eslint_that_does_not_exist_is_named(tmp_path: Path) -> None:
    env = gate_env(eslint_executable=str(tmp_path / "nope" / "eslint"))
    tool, why = await ensure_npm_tool("eslint", env.settings.eslint_executable, env, tmp_path)
    assert tool is None
    assert why == f"eslint: the configured {tmp_path / 'nope' / 'eslint'} is not an executable file"


@pytest.mark.toolchain
async def test_install_tools_is_a_no_op_once_the_tools_are_there() -> None:
    require("eslint")
    require("tsc")
    progress: list[str] = []
    env = gate_env()
    env.progress = progress.append
    outcome = await install_tools(env)
    assert outcome.ok
    assert outcome.detail == "already installed"
    assert set(outcome.versions) == {"eslint", "globals", "typescript"}
    assert progress == []  # nothing downloaded, nothing announced


async def test_without_node_the_gate_cannot_run_and_says_how_to_get_it(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("const a = 1;\n")
    env = gate_env(node_executable=str(tmp_path / "no-node"))
    result = await JavaScriptGate(env).run(["a.js"], tmp_path)
    assert result.status is GateStatus.COULD_NOT_RUN
    assert "apt-get install nodejs npm" in result.install_hint


@pytest.mark.toolchain
async def test_a_project_eslint_that_cannot_run_our_config_falls_back_to_ingles(
    tmp_path: Path,
) -> None:
    """An old project ESLint (say 8.x, no flat config) fails on Ingle's config: the gate
    then uses the ESLint in Ingle's cache instead of giving up."""
    require("node")
    require("eslint")
    old = tmp_path / "node_modules" / ".bin" / "eslint"
    old.parent.mkdir(parents=True)
    old.write_text("#!/bin/sh\necho 'Invalid option --no-warn-ignored' >&2\nexit 2\n")
    old.chmod(0o755)
    shutil.copy(CORPUS / "javascript/const_reassign.js", tmp_path / "app.js")
    result = await JavaScriptGate(gate_env()).run(["app.js"], tmp_path)
    assert result.detail == "node --check + ESLint (Ingle cache)"
    assert [d.rule for d in result.diagnostics] == ["no-const-assign"]
