"""What the gate tests share: where the test toolchain lives, the corpus, and the rule
that a missing tool skips a test locally but fails it in CI.

tests/install_toolchains.sh installs ESLint and TypeScript into TOOLS_DIR (also the Go
build cache's home); tests point every gate at it and never let a gate download.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ingle.validators.chromium import find_chromium
from ingle.validators.discovery import find_go, find_javac, find_node, find_npm_tool, find_ruff
from ingle.validators.gate import GateEnv
from ingle.validators.settings import GateSettings

CORPUS = Path(__file__).parent
REPO = CORPUS.parent.parent
TOOLS_DIR = Path(os.environ.get("INGLE_TEST_TOOLS") or REPO / ".ingle-tools")


def gate_settings(**changes: Any) -> GateSettings:
    """Gate settings for tests: never install tools on the fly."""
    return GateSettings(auto_install_tools=False, **changes)


def gate_env(**changes: Any) -> GateEnv:
    return GateEnv(settings=gate_settings(**changes), tools_dir=TOOLS_DIR)


def require(tool: str) -> None:
    """Skip when `tool` is missing here; in CI (CI=true) a missing tool is a failure."""
    settings = gate_settings()
    node = find_node(settings)
    present = {
        "ruff": lambda: find_ruff(settings),
        "go": lambda: find_go(settings),
        "javac": lambda: find_javac(settings),
        "node": lambda: node,
        "eslint": lambda: node and find_npm_tool("eslint", None, None, TOOLS_DIR / "npm", node),
        "tsc": lambda: node and find_npm_tool("tsc", None, None, TOOLS_DIR / "npm", node),
        "chromium": lambda: find_chromium(settings),
    }[tool]()
    if present:
        return
    why = f"{tool} is not installed (bash tests/install_toolchains.sh installs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must have every gate tool: {why}")
    pytest.skip(why)


def expected_cases(gate: str) -> list[dict[str, Any]]:
    data = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    return data[gate]


def case_id(case: dict[str, Any]) -> str:
    return f"{case['root']}:{'+'.join(case['files'])}"


def copy_case(root: str, into: Path) -> Path:
    """A private copy of a corpus directory, so no gate ever runs inside the repository."""
    target = into / "case"
    shutil.copytree(CORPUS / root, target)
    return target


def as_rows(diagnostics: list[Any]) -> list[list[Any]]:
    return [[d.file, d.line, d.column, d.severity.value, d.rule, d.message] for d in diagnostics]
