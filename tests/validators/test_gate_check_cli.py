"""`ingle check FILE...`: real gates through the real CLI, exit statuses 0/1/2/4."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.gate_corpus.toolchain import CORPUS, TOOLS_DIR, require


def _user_config(ingle_home: Path, text: str) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()  # the repository root `ingle check` resolves files against
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.toolchain
def test_clean_files_exit_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require("ruff")
    shutil.copy(CORPUS / "python/good.py", project / "good.py")
    assert main(["check", "good.py"]) == 0
    assert capsys.readouterr().out.startswith("python      passed ")


@pytest.mark.toolchain
def test_a_failure_exits_1_and_prints_file_line_col_severity_rule_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("ruff")
    (project / "pkg").mkdir()
    shutil.copy(CORPUS / "python/undefined_name.py", project / "pkg" / "area.py")
    assert main(["check", "pkg/area.py"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("python      FAILED ")
    assert lines[1:] == ["  pkg/area.py:5:12 error F821 Undefined name `pi`"]


@pytest.mark.toolchain
def test_a_gate_that_could_not_run_exits_4_with_the_fix(
    project: Path, ingle_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("ruff")
    _user_config(ingle_home, '[gates]\njavac_executable = "/nonexistent/javac"\n')
    shutil.copy(CORPUS / "python/good.py", project / "good.py")
    (project / "A.java").write_text("class A {}\n")
    assert main(["check", "good.py", "A.java"]) == 4
    out = capsys.readouterr().out
    assert "java        could not run" in out
    assert "-> apt-get install default-jdk-headless" in out


@pytest.mark.toolchain
def test_json_output_carries_every_result(
    project: Path, ingle_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require("eslint")
    eslint = TOOLS_DIR / "npm" / "node_modules" / ".bin" / "eslint"
    _user_config(ingle_home, f'[gates]\neslint_executable = "{eslint}"\n')
    shutil.copy(CORPUS / "javascript/fish_shadow.js", project / "fish.js")
    assert main(["check", "--json", "--gates", "javascript", "fish.js"]) == 1
    report = json.loads(capsys.readouterr().out)
    [result] = report["results"]
    assert (result["gate"], result["status"]) == ("javascript", "failed")
    assert [(d["line"], d["rule"]) for d in result["diagnostics"]] == [(2, "no-use-before-define")]


def test_a_missing_file_is_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "nope.py"]) == 2
    assert "nope.py: no such file" in capsys.readouterr().err


def test_an_unknown_gate_name_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "a.py").write_text("x = 1\n")
    assert main(["check", "--gates", "rust", "a.py"]) == 2
    assert "unknown gate rust" in capsys.readouterr().err


def test_files_no_gate_handles_exit_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "notes.md").write_text("# notes\n")
    assert main(["check", "notes.md"]) == 0
    assert capsys.readouterr().out == "no gate applies to these files\n"
