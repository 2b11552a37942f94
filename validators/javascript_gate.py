"""JavaScript gate: `node --check` for syntax, then ESLint for the run-time bugs that
parse fine: `const` reassigned, `for (let fish of fish)`, undefined names.

ESLint is the project's own, or on PATH, or installed once into Ingle's cache. It runs
with Ingle's rule set only (eslint_config.py), never the project's config, so a style
rule can never fail a gate.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ingle.validators.discovery import INSTALL_HINTS, FoundTool, find_node, not_found
from ingle.validators.eslint_config import flat_config, is_module, shared_script_globals
from ingle.validators.gate import GateEnv, Stopwatch, could_not_run, finished, relative_to_root, timed_out
from ingle.validators.npm_tools import ensure_npm_tool
from ingle.validators.process import run_tool
from ingle.validators.results import Diagnostic, GateResult, Severity

_NODE_LOCATION = re.compile(r"^(?P<file>.+):(?P<line>\d+)$")
_NODE_ERROR = re.compile(r"^(?P<kind>\w*Error): (?P<msg>.*)$")


class JavaScriptGate:
    name = "javascript"
    suffixes = (".js", ".mjs", ".cjs")

    def __init__(self, env: GateEnv) -> None:
        self.env = env

    async def run(self, files: Sequence[str], root: Path) -> GateResult:
        watch = Stopwatch()
        node = find_node(self.env.settings)
        if node is None:
            return could_not_run(
                self.name,
                files,
                not_found("node", self.env.settings.node_executable),
                INSTALL_HINTS["node"],
                watch,
            )
        limit = self.env.settings.timeouts.javascript
        try:
            async with asyncio.timeout(limit):
                syntax = await self._node_check(node, files, root)
                broken = {d.file for d in syntax}
                eslint, why = await ensure_npm_tool(
                    "eslint", self.env.settings.eslint_executable, self.env, root
                )
                if eslint is None:
                    if syntax:
                        return finished(
                            self.name, files, syntax, watch, f"node --check (ESLint: {why})"
                        )
                    why = f"checked syntax only; ESLint unavailable: {why}"
                    return could_not_run(self.name, files, why, INSTALL_HINTS["eslint"], watch)
                parsed = [f for f in files if f not in broken]
                lint = await self._eslint(eslint, parsed, root, limit)
                if isinstance(lint, GateResult) and eslint.source != "Ingle cache":
                    # The project's ESLint may be too old for a flat config (ESLint 8):
                    # fall back to the one Ingle installs, whose version it knows.
                    cached, _ = await ensure_npm_tool(
                        "eslint", None, self.env, None, cache_only=True
                    )
                    if cached is not None:
                        eslint = cached
                        lint = await self._eslint(eslint, parsed, root, limit)
        except TimeoutError:
            return timed_out(self.name, files, "node --check/ESLint", limit, watch)
        if isinstance(lint, GateResult):
            return lint.model_copy(update={"duration_s": watch.elapsed()})
        return finished(
            self.name, files, [*syntax, *lint], watch, f"node --check + ESLint ({eslint.source})"
        )

    async def _node_check(
        self, node: FoundTool, files: Sequence[str], root: Path
    ) -> list[Diagnostic]:
        limit = self.env.settings.timeouts.javascript
        runs = [
            await run_tool([*node.argv, "--check", f], cwd=root, timeout_s=limit) for f in files
        ]
        found: list[Diagnostic] = []
        for rel, run in zip(files, runs, strict=True):
            if run.timed_out:
                raise TimeoutError
            if run.returncode not in (0, None):
                found.append(parse_node_check(run.stderr, rel))
        return found

    async def _eslint(
        self, eslint: FoundTool, files: list[str], root: Path, limit: float
    ) -> list[Diagnostic] | GateResult:
        if not files:
            return []
        sources = {f: _read(root / f) for f in files}
        scripts = [f for f in files if not f.endswith(".cjs") and not is_module(sources[f], f)]
        commonjs = [f for f in files if f.endswith(".cjs")]
        shared = shared_script_globals(root, sorted({Path(f).parent.as_posix() for f in scripts}))
        bases = [str(self.env.npm_prefix), str(root), str(Path(eslint.argv[-1]).resolve().parent)]
        with tempfile.TemporaryDirectory(prefix="ingle-eslint-") as tmp:
            config = Path(tmp) / "eslint.config.mjs"
            config.write_text(flat_config(scripts, commonjs, shared, bases), encoding="utf-8")
            argv = [*eslint.argv, "--config", str(config), "--format", "json", "--no-warn-ignored",
                    "--", *files]  # fmt: skip
            # ESLint 8.57 reads a flat config only when told to; later versions ignore this.
            eslint_env = {**eslint.env, "ESLINT_USE_FLAT_CONFIG": "true"}
            run = await run_tool(argv, cwd=root, timeout_s=limit, env=eslint_env)
        if run.timed_out:
            raise TimeoutError
        try:
            reports = json.loads(run.stdout)
        except ValueError:
            why = run.start_error or run.stderr.strip()[-600:] or "ESLint printed no JSON"
            return could_not_run(self.name, files, f"ESLint failed: {why}", INSTALL_HINTS["eslint"])
        return [d for report in reports for d in _from_eslint(report, root)]


def parse_node_check(stderr: str, rel: str) -> Diagnostic:
    """node --check prints `file:line`, the line, a caret, then `SyntaxError: message`."""
    lines = stderr.splitlines()
    line_no = column = 0
    message, rule = stderr.strip()[-400:] or "node --check failed", None
    for i, text in enumerate(lines):
        if not line_no and (m := _NODE_LOCATION.match(text)):
            line_no = int(m["line"])
            if i + 2 < len(lines) and lines[i + 2].strip().startswith("^"):
                column = lines[i + 2].index("^") + 1
        if m := _NODE_ERROR.match(text):
            message, rule = m["msg"], m["kind"]
            break
    return Diagnostic(
        file=rel, line=line_no, column=column, message=message, rule=rule, tool="node"
    )


def _from_eslint(report: dict, root: Path) -> list[Diagnostic]:
    rel = relative_to_root(report.get("filePath", ""), root)
    found = []
    for m in report.get("messages", []):
        if not m.get("ruleId") and not m.get("fatal"):
            continue  # ESLint's notes about ignored /* eslint */ comments: not about the code
        found.append(
            Diagnostic(
                file=rel,
                line=int(m.get("line") or 0),
                column=int(m.get("column") or 0),
                severity=Severity.ERROR if m.get("severity") == 2 else Severity.WARNING,
                message=str(m.get("message", "")),
                rule=m.get("ruleId") or ("parse-error" if m.get("fatal") else None),
                tool="eslint",
            )
        )
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
