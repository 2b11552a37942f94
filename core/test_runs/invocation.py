"""Turning a TestCommand into the exact process to start on a tree.

Each tool is found the way the gates find theirs (settings, the project, PATH, a
copy Ingle knows about) and started so that it writes nothing into the user's
repository: no bytecode or pytest cache, Go with a private copy of go.mod (a
-mod=mod run may rewrite it) and Ingle's build cache, cargo's target directory in
Ingle's cache. A missing tool raises ToolMissing with how to install it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ingle.core.test_runs.go_packages import go_packages
from ingle.core.test_runs.models import TestCommand, TestKind
from ingle.core.test_runs.tree_walk import TooManyFiles
from ingle.validators.discovery import INSTALL_HINTS, find_go, find_node, find_npm, find_npm_tool
from ingle.validators.settings import GateSettings

# Our own pytest's variables must not leak into the repository's pytest.
_LEAKY_PREFIXES = ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_")
_Built = tuple[list[str], dict[str, str]]  # argv and the environment it needs


class ToolMissing(Exception):
    def __init__(self, detail: str, hint: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.hint = hint


class TestTools(BaseModel):
    """Where the test runner finds tools and keeps caches (the engine passes its own)."""

    __test__ = False
    model_config = ConfigDict(arbitrary_types_allowed=True)

    gates: GateSettings = Field(default_factory=GateSettings, description="tool paths (go, node)")
    cache_dir: Path | None = Field(
        None, description="Ingle's tools cache (IngleDirs.tools); None: from the environment"
    )

    def cache(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        from ingle.core.config.paths import IngleDirs

        return IngleDirs.from_env().tools


class Invocation(BaseModel):
    argv: list[str]
    cwd: Path
    env: dict[str, str]

    def full_env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKY_PREFIXES)}
        return {**base, **self.env}


@dataclass(frozen=True)
class _Run:
    command: TestCommand
    tree: Path
    targets: list[str]
    tools: TestTools
    scratch: Path  # private to this run, removed after it
    time_limit_s: float


def build_invocation(
    command: TestCommand,
    tree: Path,
    targets: list[str] | None,
    tools: TestTools,
    scratch: Path,
    time_limit_s: float,
) -> Invocation:
    """The process for `command` on `tree` (its cwd), limited to `targets` when given."""
    run = _Run(command, tree, targets or [], tools, scratch, time_limit_s)
    argv, env = _BUILDERS[command.kind](run)
    return Invocation(argv=argv, cwd=tree, env={"CI": "1", "NO_COLOR": "1", **env})


def _pytest(run: _Run) -> _Built:
    python = _project_python(run.tree)
    if python is not None:
        base = [str(python), "-m", "pytest"]
    elif on_path := shutil.which("pytest"):
        base = [on_path]
    elif importlib.util.find_spec("pytest") is not None:
        base = [sys.executable, "-m", "pytest"]
    else:
        raise ToolMissing(
            "pytest not found (looked in .venv/, venv/, PATH and Ingle's Python)",
            "pip install pytest into the project's virtualenv (.venv), or set tests.command",
        )
    # The tree first on sys.path: an editable install of the project would otherwise
    # import the repository's files instead of the candidate's.
    paths = [str(run.tree), *([str(run.tree / "src")] if (run.tree / "src").is_dir() else [])]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    argv = [*base, "-p", "no:cacheprovider", "--tb=short", "-rfE", "--color=no", *run.targets]
    env = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(paths),
        "PY_COLORS": "0",
        "PYTHONUNBUFFERED": "1",  # a run killed at the limit still shows how far it got
    }
    return argv, env


def _project_python(tree: Path) -> Path | None:
    for venv in (".venv", "venv", "env"):
        python = tree / venv / "bin" / "python"
        if (tree / venv / "pyvenv.cfg").is_file() and os.access(python, os.X_OK):
            return python
    return None


def _go(run: _Run) -> _Built:
    go = find_go(run.tools.gates)
    if go is None:
        raise ToolMissing("go not found", INSTALL_HINTS["go"])
    targets = run.targets
    if not targets:
        # `./...` skips symlinked directories, which a candidate tree is made of.
        try:
            targets = sorted(p.pattern for p in go_packages(run.tree).values()) or ["./..."]
        except TooManyFiles:
            targets = ["./..."]
    modfile = run.scratch / "go.mod"
    shutil.copyfile(run.tree / "go.mod", modfile)
    if (run.tree / "go.sum").is_file():
        shutil.copyfile(run.tree / "go.sum", run.scratch / "go.sum")
    cache = run.tools.cache() / "go-build-cache"  # shared with the Go gate: the stdlib builds once
    cache.mkdir(parents=True, exist_ok=True)
    env = {
        **go.env,
        "GOTOOLCHAIN": "local",
        "GOFLAGS": f"-mod=mod -modfile={modfile}",
        "GOWORK": "off",
        "GOCACHE": str(cache),
    }
    # Go's own limit, inside ours, names the test that hung and prints its stack.
    go_limit = max(int(run.time_limit_s * 0.8), 1)
    return [*go.argv, "test", f"-timeout={go_limit}s", *targets], env


def _maven(run: _Run) -> _Built:
    _detach(run.tree, ("target",))
    hint = "apt-get install maven, or add the Maven wrapper (mvnw) to the repository"
    return [*_wrapper_or(run.tree, "mvnw", "mvn", hint), "-q", "test"], {}


def _gradle(run: _Run) -> _Built:
    _detach(run.tree, ("build", ".gradle"))
    hint = "add the Gradle wrapper (gradlew) to the repository, or install Gradle"
    return [*_wrapper_or(run.tree, "gradlew", "gradle", hint), "test", "--console=plain"], {}


def _wrapper_or(tree: Path, wrapper: str, tool: str, hint: str) -> list[str]:
    script = tree / wrapper
    if script.is_file():
        return [f"./{wrapper}"] if os.access(script, os.X_OK) else ["sh", f"./{wrapper}"]
    if found := shutil.which(tool):
        return [found]
    raise ToolMissing(f"{tool} not found and no ./{wrapper} in the repository", hint)


def _cargo(run: _Run) -> _Built:
    cargo = shutil.which("cargo") or _executable(Path.home() / ".cargo" / "bin" / "cargo")
    if cargo is None:
        raise ToolMissing("cargo not found", "install Rust with rustup (https://rustup.rs)")
    _detach(run.tree, ("Cargo.lock",))
    # One target directory per repository, outside it: incremental builds across attempts.
    manifest = os.path.realpath(run.tree / "Cargo.toml")
    key = hashlib.sha256(manifest.encode()).hexdigest()[:16]
    env = {
        "CARGO_TARGET_DIR": str(run.tools.cache() / "cargo-target" / key),
        "CARGO_TERM_COLOR": "never",
        "RUST_BACKTRACE": "1",
    }
    return [str(cargo), "test"], env


def _npm(run: _Run) -> _Built:
    node = find_node(run.tools.gates)
    npm = find_npm(node)
    if npm is None:
        raise ToolMissing("npm not found", INSTALL_HINTS["npm"])
    return [*npm.argv, "test"], _node_env(node.argv[0] if node else None)


def _vitest(run: _Run) -> _Built:
    node = find_node(run.tools.gates)
    vitest = find_npm_tool("vitest", None, run.tree, run.tools.cache() / "npm", node)
    if vitest is None:
        raise ToolMissing(
            "vitest is not installed in node_modules", "run `npm install` in the repository"
        )
    return [*vitest.argv, "run"], _node_env(node.argv[0] if node else None)


def _node_env(node: str | None) -> dict[str, str]:
    # npm scripts call `node` by name: make sure it is the one we found.
    path = os.environ.get("PATH", "")
    if node:
        path = os.pathsep.join([str(Path(node).parent), path])
    return {"PATH": path, "FORCE_COLOR": "0"}


def _custom(run: _Run) -> _Built:
    # Trusted config may name any command; if it runs pytest, it still writes no cache
    # and prints the traceback style we trim (its own flags still win).
    ours = "-p no:cacheprovider --tb=short -rfE"
    addopts = " ".join(filter(None, [ours, os.environ.get("PYTEST_ADDOPTS")]))
    env = {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "FORCE_COLOR": "0",
        "PYTEST_ADDOPTS": addopts,
    }
    return ["/bin/sh", "-c", run.command.argv[0]], env


_BUILDERS: dict[TestKind, Callable[[_Run], _Built]] = {
    TestKind.PYTEST: _pytest,
    TestKind.GO: _go,
    TestKind.MAVEN: _maven,
    TestKind.GRADLE: _gradle,
    TestKind.NPM: _npm,
    TestKind.VITEST: _vitest,
    TestKind.CARGO: _cargo,
    TestKind.CUSTOM: _custom,
}


def _detach(tree: Path, names: tuple[str, ...]) -> None:
    """In a candidate tree, build output and lock files are symlinks into the real
    repository; replace them with the tree's own (files copied, directories fresh)
    so the build writes into the tree, not the repository."""
    for name in names:
        path = tree / name
        if not path.is_symlink():
            continue
        target = path.resolve()
        path.unlink()
        if target.is_file():
            shutil.copyfile(target, path)


def _executable(path: Path) -> str | None:
    return str(path) if path.is_file() and os.access(path, os.X_OK) else None
