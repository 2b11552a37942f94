"""TypeScript gate: `tsc --noEmit --pretty false`.

With a tsconfig.json between a file and the root, the project is checked as the user
configured it, and only diagnostics in the changed files count (errors the project
already had elsewhere are not this change's fault). Without one, the changed files are
checked with a sane strict default. TypeScript 7's tsc is a native binary: ~0.3 s.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ingle.validators.discovery import INSTALL_HINTS
from ingle.validators.gate import GateEnv, Stopwatch, could_not_run, finished, relative_to_root, timed_out
from ingle.validators.npm_tools import ensure_npm_tool
from ingle.validators.process import run_tool
from ingle.validators.results import Diagnostic, GateResult, Severity

DEFAULT_OPTIONS = [
    "--strict",
    "--target", "es2022",
    "--lib", "es2022,dom,dom.iterable",
    "--module", "esnext",
    "--moduleResolution", "bundler",
    "--jsx", "preserve",
    "--skipLibCheck",
    "--allowImportingTsExtensions",
]  # fmt: skip
_LINE = re.compile(
    r"^(?P<file>.+?)\((?P<line>\d+),(?P<col>\d+)\): (?P<sev>error|warning) (?P<rule>TS\d+): (?P<msg>.*)$"
)
_GLOBAL = re.compile(r"^(?P<sev>error|warning) (?P<rule>TS\d+): (?P<msg>.*)$")
_BARE_MODULE = re.compile(r"^Cannot find module '([^./][^']*)'")


class TypeScriptGate:
    name = "typescript"
    suffixes = (".ts", ".tsx", ".mts", ".cts")

    def __init__(self, env: GateEnv) -> None:
        self.env = env

    async def run(self, files: Sequence[str], root: Path) -> GateResult:
        watch = Stopwatch()
        limit = self.env.settings.timeouts.typescript
        tsc, why = await ensure_npm_tool("tsc", self.env.settings.tsc_executable, self.env, root)
        if tsc is None:
            return could_not_run(
                self.name, files, f"tsc unavailable: {why}", INSTALL_HINTS["tsc"], watch
            )
        diagnostics: list[Diagnostic] = []
        details: list[str] = []
        for project, members in _group_by_project(files, root).items():
            if project is None:
                argv = [
                    *tsc.argv,
                    "--noEmit",
                    "--pretty",
                    "false",
                    *DEFAULT_OPTIONS,
                    *_as_paths(members),
                ]
            else:
                argv = [*tsc.argv, "--noEmit", "--pretty", "false", "-p", project]
            run = await run_tool(argv, cwd=root, timeout_s=limit, env=tsc.env)
            if run.timed_out:
                return timed_out(self.name, files, "tsc", limit, watch)
            if run.start_error:
                return could_not_run(self.name, files, run.start_error, INSTALL_HINTS["tsc"], watch)
            found = parse_tsc_output(run.stdout + run.stderr, root, lenient_imports=project is None)
            mine = [d for d in found if d.file in members or not d.file]
            if len(mine) < len(found):
                details.append(
                    f"{len(found) - len(mine)} diagnostics in unchanged files of {project} ignored"
                )
            diagnostics.extend(mine)
        detail = "; ".join([f"tsc ({tsc.source})", *details])
        return finished(self.name, files, diagnostics, watch, detail)


def _as_paths(files: Sequence[str]) -> list[str]:
    # tsc has no `--`: make a file named like an option read as a path.
    return [f if not f.startswith("-") else f"./{f}" for f in files]


def _group_by_project(files: Sequence[str], root: Path) -> dict[str | None, list[str]]:
    """{tsconfig.json path relative to root, or None for the default options: [files]}."""
    groups: dict[str | None, list[str]] = {}
    resolved_root = root.resolve()
    for rel in files:
        directory = (root / rel).parent.resolve()
        config = None
        for d in (directory, *directory.parents):
            if not d.is_relative_to(resolved_root):
                break
            if (d / "tsconfig.json").is_file():
                config = (d / "tsconfig.json").relative_to(resolved_root).as_posix()
                break
        groups.setdefault(config, []).append(rel)
    return groups


def parse_tsc_output(text: str, root: Path, lenient_imports: bool) -> list[Diagnostic]:
    """`file(line,col): error TS2322: message`, with indented continuation lines."""
    found: list[Diagnostic] = []
    for line in text.splitlines():
        match = _LINE.match(line) or _GLOBAL.match(line)
        if match is None:
            if found and line.startswith("  ") and line.strip():
                last = found[-1]
                found[-1] = last.model_copy(update={"message": f"{last.message} {line.strip()}"})
            continue
        groups = match.groupdict()
        severity = Severity.ERROR if groups["sev"] == "error" else Severity.WARNING
        # Without the repo's own config and node_modules, a package import cannot resolve:
        # that says nothing about the code.
        if lenient_imports and groups["rule"] == "TS2307" and _BARE_MODULE.match(groups["msg"]):
            severity = Severity.WARNING
        found.append(
            Diagnostic(
                file=relative_to_root(groups["file"], root) if groups.get("file") else "",
                line=int(groups.get("line") or 0),
                column=int(groups.get("col") or 0),
                severity=severity,
                message=groups["msg"],
                rule=groups["rule"],
                tool="tsc",
            )
        )
    return found
