"""Java gate: `javac -Xlint` on the changed files, class files into a temp dir.

Each file's source root is worked out from its package clause (src/main/java/com/x/A.java
with `package com.x;` -> src/main/java) and passed as -sourcepath, so references to the
repository's other classes resolve. `-J-XX:TieredStopAtLevel=1 -proc:none` halve javac's
start-up; lint findings are warnings, compile errors fail the gate.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ingle.validators.discovery import INSTALL_HINTS, find_javac, not_found
from ingle.validators.gate import GateEnv, Stopwatch, could_not_run, finished, relative_to_root, timed_out
from ingle.validators.process import run_tool
from ingle.validators.results import Diagnostic, GateResult, Severity

_HEADER = re.compile(r"^(?P<file>.+?\.java):(?P<line>\d+): (?P<sev>error|warning): (?P<msg>.*)$")
_GLOBAL = re.compile(r"^(?P<sev>error|warning): (?P<msg>.*)$")
_LINT = re.compile(r"^\[(?P<rule>[\w-]+)\] (?P<msg>.*)$")
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.MULTILINE)


class JavaGate:
    name = "java"
    suffixes = (".java",)

    def __init__(self, env: GateEnv) -> None:
        self.env = env

    async def run(self, files: Sequence[str], root: Path) -> GateResult:
        watch = Stopwatch()
        javac = find_javac(self.env.settings)
        if javac is None:
            return could_not_run(
                self.name,
                files,
                not_found("javac", self.env.settings.javac_executable),
                INSTALL_HINTS["javac"],
                watch,
            )
        limit = self.env.settings.timeouts.java
        roots = sorted({source_root(root, rel) for rel in files})
        with tempfile.TemporaryDirectory(prefix="ingle-javac-") as out:
            argv = [
                *javac.argv,
                "-J-XX:TieredStopAtLevel=1",
                "-proc:none",
                "-Xlint",
                "-implicit:none",
                "-encoding",
                "UTF-8",
                "-Xmaxerrs",
                "100",
                "-d",
                out,
                "-sourcepath",
                ":".join(roots),
                *files,
            ]
            run = await run_tool(argv, cwd=root, timeout_s=limit, env=javac.env)
        if run.timed_out:
            return timed_out(self.name, files, "javac", limit, watch)
        if run.start_error:
            return could_not_run(self.name, files, run.start_error, INSTALL_HINTS["javac"], watch)
        diagnostics = parse_javac_output(run.stderr + run.stdout, root)
        if run.returncode != 0 and not any(d.severity is Severity.ERROR for d in diagnostics):
            diagnostics.append(
                Diagnostic(
                    file="", message=run.stderr.strip()[-800:] or "javac failed", tool="javac"
                )
            )
        return finished(self.name, files, diagnostics, watch, f"javac -Xlint ({javac.source})")


def source_root(root: Path, rel: str) -> str:
    """The directory that holds the top of the file's package path, relative to root."""
    path = root / rel
    directory = Path(rel).parent
    try:
        head = path.read_text(encoding="utf-8", errors="replace")[:8192]
    except OSError:
        return directory.as_posix()
    match = _PACKAGE.search(head)
    if not match:
        return directory.as_posix()
    package = tuple(match[1].split("."))
    parts = directory.parts
    if len(parts) >= len(package) and parts[len(parts) - len(package) :] == package:
        return Path(*parts[: len(parts) - len(package)]).as_posix()  # Path() is "."
    return directory.as_posix()


def parse_javac_output(text: str, root: Path) -> list[Diagnostic]:
    """javac prints `File.java:9: error: message`, the source line, a caret line under
    the column, then indented details (symbol:, location:) that belong to the message."""
    found: list[Diagnostic] = []
    current: dict | None = None
    after_header = 0
    for line in text.splitlines():
        header = _HEADER.match(line)
        global_ = None if header else _GLOBAL.match(line)
        if header or global_:
            if current:
                found.append(_diagnostic(current, root))
            match = header or global_
            current = {
                "file": header["file"] if header else "",
                "line": int(header["line"]) if header else 0,
                "column": 0,
                "sev": match["sev"],
                "msg": match["msg"],
                "details": [],
            }
            after_header = 0
            continue
        if current is None:
            continue
        after_header += 1
        if after_header <= 2 and line.strip() == "^":
            current["column"] = line.index("^") + 1
        elif after_header > 1 and line.startswith("  ") and line.strip():
            current["details"].append(line.strip())
        elif re.match(r"^\d+ (errors?|warnings?)$", line) or line.startswith("Note: "):
            found.append(_diagnostic(current, root))
            current = None
    if current:
        found.append(_diagnostic(current, root))
    return found


def _diagnostic(parts: dict, root: Path) -> Diagnostic:
    message, rule = parts["msg"], None
    if lint := _LINT.match(message):
        rule, message = lint["rule"], lint["msg"]
    details: list[str] = []
    for detail in parts["details"]:
        if detail.startswith("where "):  # type-variable legends: long and rarely useful
            break
        details.append(detail)
    if details:
        message += " (" + "; ".join(" ".join(d.split()) for d in details) + ")"
    return Diagnostic(
        file=relative_to_root(parts["file"], root) if parts["file"] else "",
        line=parts["line"],
        column=parts["column"],
        severity=Severity.ERROR if parts["sev"] == "error" else Severity.WARNING,
        message=message,
        rule=rule,
        tool="javac",
    )
