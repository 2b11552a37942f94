"""Python gate: compile every file (py_compile's semantics, without writing .pyc files)
and run ruff restricted to real errors.

`ruff --isolated` ignores the user's own ruff config, so style rules never fail a gate;
E9/F63/F7/F82 are syntax errors, broken comparisons, misplaced statements and
undefined names. Ruff parses for this interpreter's Python version, like compile().
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from ingle.validators.discovery import INSTALL_HINTS, find_ruff, not_found
from ingle.validators.gate import (
    GateEnv,
    Stopwatch,
    could_not_run,
    finished,
    relative_to_root,
    timed_out,
)
from ingle.validators.process import run_tool
from ingle.validators.results import Diagnostic, GateResult, Severity

_RUFF_SELECT = "E9,F63,F7,F82"
# F63x (`x is 1`, `assert (a, b)`) are almost always bugs, but the code still runs.
_WARNING_PREFIXES = ("F63",)


class PythonGate:
    name = "python"
    suffixes = (".py",)

    def __init__(self, env: GateEnv) -> None:
        self.env = env

    async def run(self, files: Sequence[str], root: Path) -> GateResult:
        watch = Stopwatch()
        diagnostics: list[Diagnostic] = []
        for rel in files:
            diagnostics.extend(compile_file(root, rel))
        ruff = find_ruff(self.env.settings)
        if ruff is None:
            return could_not_run(
                self.name,
                files,
                not_found("ruff", self.env.settings.python_ruff),
                INSTALL_HINTS["ruff"],
                watch,
            )
        target = f"py{sys.version_info.major}{sys.version_info.minor}"
        argv = [
            *ruff.argv,
            "check",
            "--isolated",
            "--no-cache",
            "--ignore-noqa",  # a suppression comment written by a model must not silence the gate
            "--select",
            _RUFF_SELECT,
            "--target-version",
            target,
            "--output-format=json",
            "--",
            *files,
        ]
        limit = self.env.settings.timeouts.python
        run = await run_tool(argv, cwd=root, timeout_s=limit, env=ruff.env)
        if run.timed_out:
            return timed_out(self.name, files, "ruff", limit, watch)
        try:
            findings = json.loads(run.stdout or "[]")
        except ValueError:
            detail = run.start_error or run.stderr.strip()[-400:] or "ruff printed no JSON"
            return could_not_run(
                self.name, files, f"ruff failed: {detail}", INSTALL_HINTS["ruff"], watch
            )
        ruff_diagnostics = [_from_ruff(f, root) for f in findings]
        # compile() and ruff often see the same error (`break` outside a loop, a syntax
        # error): keep ruff's, which names a rule and a column.
        seen = {(d.file, d.line) for d in ruff_diagnostics}
        diagnostics = [d for d in diagnostics if (d.file, d.line) not in seen]
        return finished(
            self.name, files, [*ruff_diagnostics, *diagnostics], watch, "compile + ruff"
        )


def compile_file(root: Path, rel: str) -> list[Diagnostic]:
    """compile() the file as py_compile would (source bytes, so coding cookies count);
    compile-time warnings become warnings."""
    path = root / rel
    try:
        source = path.read_bytes()
    except OSError as exc:
        return [Diagnostic(file=rel, message=f"cannot read: {exc.strerror}", tool="python")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            return [
                Diagnostic(
                    file=rel,
                    line=exc.lineno or 0,
                    column=exc.offset or 0,
                    message=exc.msg,
                    rule=type(exc).__name__,
                    tool="python",
                )
            ]
        except ValueError as exc:  # source with NUL bytes
            return [Diagnostic(file=rel, message=str(exc), rule="ValueError", tool="python")]
    return [
        Diagnostic(
            file=rel,
            line=w.lineno,
            severity=Severity.WARNING,
            message=str(w.message),
            rule=w.category.__name__,
            tool="python",
        )
        for w in caught
        # Invalid escapes are a DeprecationWarning before 3.12, a SyntaxWarning after.
        if issubclass(w.category, (SyntaxWarning, DeprecationWarning))
    ]


def _from_ruff(finding: dict, root: Path) -> Diagnostic:
    code = str(finding.get("code") or "invalid-syntax")
    location = finding.get("location") or {}
    return Diagnostic(
        file=relative_to_root(finding.get("filename", ""), root),
        line=int(location.get("row") or 0),
        column=int(location.get("column") or 0),
        severity=Severity.WARNING if code.startswith(_WARNING_PREFIXES) else Severity.ERROR,
        message=str(finding.get("message", "")),
        rule=code,
        tool="ruff",
    )
