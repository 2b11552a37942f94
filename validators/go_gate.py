"""Go gate: `go build`, then `go vet -json`, inside the file's module.

Files under a go.mod are built as packages of that module. A directory of Go files
with no module is copied into a temporary module first (nothing is written into the
repository). Every run is offline and hermetic: GOTOOLCHAIN=local (never download a
toolchain), GOPROXY=off, a temporary GOPATH, and a persistent GOCACHE in Ingle's cache
so only the first build of a toolchain compiles the standard library.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ingle.validators.discovery import INSTALL_HINTS, FoundTool, find_go, not_found
from ingle.validators.gate import GateEnv, Stopwatch, could_not_run, finished, relative_to_root, timed_out
from ingle.validators.go_imports import StdIndex, undefined_names, used_symbols
from ingle.validators.process import ToolRun, run_tool
from ingle.validators.results import Diagnostic, GateResult, Severity

# The vet analyzers `go test` treats as fatal; other vet findings are warnings.
_FATAL_VET = {
    "atomic", "bool", "buildtags", "directive", "errorsas", "ifaceassert",
    "nilfunc", "printf", "stringintconv", "tests",
}  # fmt: skip
_POSITION = re.compile(r"^(?P<file>[^\s:#][^:]*\.go):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")


class GoToolchain:
    """One Go installation and the hermetic environment every gate run uses."""

    def __init__(self, tool: FoundTool, env: GateEnv) -> None:
        self.tool = tool
        self.env = env
        self._goroot: Path | None = None
        self._version: str | None = None
        self._std: StdIndex | None = None

    def run_env(self, gopath: Path) -> dict[str, str]:
        env = {
            **self.tool.env,
            "GOTOOLCHAIN": "local",
            "GOFLAGS": "-mod=mod",
            "GOPROXY": "off",
            "GOCACHE": str(self.env.go_cache),
            "GOPATH": str(gopath),
            "GO111MODULE": "on",
            "CGO_ENABLED": os.environ.get("CGO_ENABLED", "0"),
        }
        # Reuse modules the user already downloaded (read-only: GOPROXY=off fetches nothing).
        user_modcache = os.environ.get("GOMODCACHE") or str(Path.home() / "go" / "pkg" / "mod")
        if Path(user_modcache).is_dir():
            env["GOMODCACHE"] = user_modcache
        return env

    async def go(self, args: Sequence[str], cwd: Path, gopath: Path, timeout_s: float) -> ToolRun:
        self.env.go_cache.mkdir(parents=True, exist_ok=True)
        return await run_tool(
            [*self.tool.argv, *args], cwd=cwd, timeout_s=timeout_s, env=self.run_env(gopath)
        )

    async def describe(self, scratch: Path) -> tuple[Path, str]:
        """(GOROOT, language version like '1.27'), asked of the toolchain once."""
        if self._goroot is None or self._version is None:
            run = await self.go(["env", "GOROOT", "GOVERSION"], scratch, scratch / "gopath", 30)
            lines = run.stdout.split()
            if not run.ok or len(lines) < 2:
                raise GoUnusable(run.start_error or run.stderr.strip() or "go env printed nothing")
            self._goroot = Path(lines[0])
            match = re.match(r"go(\d+\.\d+)", lines[1])
            self._version = match[1] if match else "1.21"
        return self._goroot, self._version

    async def std_index(self, scratch: Path) -> StdIndex:
        if self._std is None:
            goroot, _ = await self.describe(scratch)
            self._std = StdIndex(goroot)
        return self._std


class GoUnusable(Exception):
    """The go binary exists but does not work (broken install, wrong architecture)."""


class GoGate:
    name = "go"
    suffixes = (".go",)

    def __init__(self, env: GateEnv) -> None:
        self.env = env
        self._toolchain: GoToolchain | None = None

    def toolchain(self) -> GoToolchain | None:
        if self._toolchain is None:
            tool = find_go(self.env.settings)
            if tool is None:
                return None
            self._toolchain = GoToolchain(tool, self.env)
        return self._toolchain

    async def run(self, files: Sequence[str], root: Path) -> GateResult:
        watch = Stopwatch()
        toolchain = self.toolchain()
        if toolchain is None:
            return could_not_run(
                self.name,
                files,
                not_found("go", self.env.settings.go_executable),
                INSTALL_HINTS["go"],
                watch,
            )
        limit = self.env.settings.timeouts.go
        diagnostics: list[Diagnostic] = []
        with tempfile.TemporaryDirectory(prefix="ingle-go-") as scratch_name:
            scratch = Path(scratch_name)
            try:
                _, version = await toolchain.describe(scratch)
                for module_dir, packages in _group_by_module(files, root).items():
                    if module_dir is None:
                        found = await self._check_loose(toolchain, packages, root, scratch, version)
                    else:
                        found = await check_packages(toolchain, module_dir, packages, root, scratch)
                    diagnostics.extend(found)
            except TimeoutError:
                return timed_out(self.name, files, "go build/vet", limit, watch)
            except GoUnusable as exc:
                return could_not_run(
                    self.name, files, f"go does not run: {exc}", INSTALL_HINTS["go"], watch
                )
            await _hint_missing_imports(toolchain, diagnostics, root, scratch)
        return finished(
            self.name, files, diagnostics, watch, f"go build + go vet ({toolchain.tool.source})"
        )

    async def _check_loose(
        self, toolchain: GoToolchain, dirs: list[str], root: Path, scratch: Path, version: str
    ) -> list[Diagnostic]:
        """Go files outside any module: copy each directory into a temp module."""
        found: list[Diagnostic] = []
        for index, rel_dir in enumerate(dirs):
            module = scratch / f"loose{index}"
            module.mkdir()
            for source in sorted((root / rel_dir).glob("*.go")):
                shutil.copy2(source, module / source.name)
            (module / "go.mod").write_text(f"module ingle.check/loose\n\ngo {version}\n")
            for d in await check_packages(toolchain, module, ["."], module, scratch):
                moved = Path(rel_dir, d.file).as_posix() if d.file else ""
                found.append(d.model_copy(update={"file": moved.removeprefix("./")}))
        return found


async def check_packages(
    toolchain: GoToolchain, module_dir: Path, packages: Sequence[str], root: Path, scratch: Path
) -> list[Diagnostic]:
    """go build the packages (module-relative dirs), then go vet them if they built.
    Raises TimeoutError when a step overruns the Go time limit."""
    limit = toolchain.env.settings.timeouts.go
    patterns = ["./" + p if p != "." else "." for p in packages]
    gopath = scratch / "gopath"
    modfile = _private_modfile(module_dir, scratch)
    # -o /dev/null: go special-cases it to discard any mix of main and library packages.
    build_args = ["build", f"-modfile={modfile}", "-o", os.devnull, *patterns]
    build = await toolchain.go(build_args, module_dir, gopath, limit)
    if build.timed_out:
        raise TimeoutError
    if build.start_error:
        raise GoUnusable(build.start_error)
    if not build.ok:
        return parse_compiler_output(build.stderr, module_dir, root, "go build")
    vet = await toolchain.go(
        ["vet", f"-modfile={modfile}", "-json", *patterns], module_dir, gopath, limit
    )
    if vet.timed_out:
        raise TimeoutError
    return parse_vet_output(vet.stdout + "\n" + vet.stderr, module_dir, root)


def _private_modfile(module_dir: Path, scratch: Path) -> Path:
    """A copy of go.mod/go.sum for -modfile: with -mod=mod, go may rewrite them, and
    neither the user's repository nor a candidate tree's symlinks may be written."""
    private = Path(tempfile.mkdtemp(prefix="modfile-", dir=scratch))
    shutil.copyfile(module_dir / "go.mod", private / "go.mod")
    if (module_dir / "go.sum").is_file():
        shutil.copyfile(module_dir / "go.sum", private / "go.sum")
    return private / "go.mod"


def parse_compiler_output(text: str, cwd: Path, root: Path, tool: str) -> list[Diagnostic]:
    """`./main.go:6:2: declared and not used: x` lines; anything else unexplained is kept
    as one message so a failure is never silent."""
    found: list[Diagnostic] = []
    unexplained: list[str] = []
    for line in text.splitlines():
        if match := _POSITION.match(line.strip()):
            found.append(
                Diagnostic(
                    file=relative_to_root(match["file"], root, cwd),
                    line=int(match["line"]),
                    column=int(match["col"]),
                    message=match["msg"],
                    tool=tool,
                )
            )
        elif line.strip() and not line.startswith("#"):
            unexplained.append(line.strip())
    if not found and unexplained:
        found.append(Diagnostic(file="", message="\n".join(unexplained[:20]), tool=tool))
    return found


def parse_vet_output(text: str, cwd: Path, root: Path) -> list[Diagnostic]:
    """go vet -json prints `# pkg` headers and one JSON object per package:
    {pkg: {analyzer: [{posn, message}]}}. Type errors in test files come as plain lines."""
    found: list[Diagnostic] = []
    decoder = json.JSONDecoder()
    plain: list[str] = []
    position = 0
    while position < len(text):
        brace = text.find("{", position)
        plain.extend(text[position : brace if brace >= 0 else len(text)].splitlines())
        if brace < 0:
            break
        try:
            obj, position = decoder.raw_decode(text, brace)
        except ValueError:
            plain.append(text[brace:].split("\n", 1)[0])
            position = text.find("\n", brace) + 1 or len(text)
            continue
        found.extend(_vet_findings(obj, cwd, root))
    # Only positioned lines count: `# pkg` headers and notes are not findings.
    positioned = [p for p in plain if _POSITION.match(p.strip())]
    found.extend(parse_compiler_output("\n".join(positioned), cwd, root, "go vet"))
    return found


def _vet_findings(obj: object, cwd: Path, root: Path) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    if not isinstance(obj, dict):
        return found
    for analyzers in obj.values():
        if not isinstance(analyzers, dict):
            continue
        for analyzer, findings in analyzers.items():
            if not isinstance(findings, list):
                continue
            for finding in findings:
                posn = str(finding.get("posn", ""))
                match = re.match(r"^(.*\.go):(\d+):(\d+)$", posn)
                file, line, col = (
                    (match[1], int(match[2]), int(match[3])) if match else (posn, 0, 0)
                )
                found.append(
                    Diagnostic(
                        file=relative_to_root(file, root, cwd) if file else "",
                        line=line,
                        column=col,
                        severity=Severity.ERROR if analyzer in _FATAL_VET else Severity.WARNING,
                        message=str(finding.get("message", "")),
                        rule=f"vet:{analyzer}",
                        tool="go vet",
                    )
                )
    return found


def _group_by_module(files: Sequence[str], root: Path) -> dict[Path | None, list[str]]:
    """{module dir: [package dirs relative to it]}; key None holds loose dirs (relative
    to root) that have no go.mod between them and the root."""
    groups: dict[Path | None, list[str]] = {}
    for rel in files:
        directory = (root / rel).parent
        module = next(
            (d for d in (directory, *directory.parents) if (d / "go.mod").is_file()), None
        )
        if module is not None and not module.resolve().is_relative_to(root.resolve()):
            module = None
        if module is None:
            key, package = None, directory.relative_to(root).as_posix()
        else:
            key, package = module, directory.relative_to(module).as_posix()
        if package not in groups.setdefault(key, []):
            groups[key].append(package)
    return groups


async def _hint_missing_imports(
    toolchain: GoToolchain, diagnostics: list[Diagnostic], root: Path, scratch: Path
) -> None:
    """`undefined: strings` gets the standard-library import that would fix it."""
    names = undefined_names(d.message for d in diagnostics)
    if not names:
        return
    index = await toolchain.std_index(scratch)
    for i, d in enumerate(diagnostics):
        name = next(iter(undefined_names([d.message])), None)
        if name is None:
            continue
        try:
            source = (root / d.file).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        path = index.resolve(name, used_symbols(source, name))
        if path:
            diagnostics[i] = d.model_copy(update={"message": f'{d.message} (add import "{path}")'})
