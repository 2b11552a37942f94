"""Gating code that is not a repository file: a code block from a chat answer.

The MCP server, the evaluator and the turn all call `check_snippet(language, code, env)`.
Go and Java need a compilable unit, so a bare snippet is scaffolded here, in one place:
Go gets `package main`, `func main` (wrapping bare statements) and the standard-library
imports the compiler says are missing; Java gets a class around bare methods or
statements and the common java.* imports. Diagnostics are mapped back to the snippet's
own lines; a line that only exists in the scaffolding is reported as line 0.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pydantic import BaseModel, Field

from ingle.validators.browser_gate import BrowserGate
from ingle.validators.discovery import INSTALL_HINTS, not_found
from ingle.validators.eslint_config import is_module
from ingle.validators.gate import GateEnv, Stopwatch, could_not_run, finished, not_applicable
from ingle.validators.go_gate import GoGate, GoUnusable, check_packages
from ingle.validators.go_imports import import_block, undefined_names, used_symbols
from ingle.validators.java_gate import JavaGate
from ingle.validators.javascript_gate import JavaScriptGate
from ingle.validators.python_gate import PythonGate
from ingle.validators.results import Diagnostic, GateResult, Severity
from ingle.validators.typescript_gate import TypeScriptGate

LANGUAGES: dict[str, str] = {
    "python": "python", "py": "python", "python3": "python",
    "go": "go", "golang": "go",
    "java": "java",
    "javascript": "javascript", "js": "javascript", "mjs": "javascript", "node": "javascript",
    "typescript": "typescript", "ts": "typescript",
    "html": "browser", "htm": "browser",
}  # fmt: skip
JAVA_IMPLICIT_IMPORTS = ("java.util", "java.util.function", "java.util.stream", "java.io",
                         "java.nio.file", "java.time")  # fmt: skip

_GO_PACKAGE = re.compile(r"^\s*package\s+\w+")
_GO_DECL = re.compile(r"^(func|type|var|const)\b", re.MULTILINE)
_GO_HEADER_LINE = re.compile(
    r"^\s*(package\s+\w+|import\s*\(|import\s+[\w.]*\s*\"[^\"]*\"|//.*|)\s*$"
)
_JAVA_TYPE = re.compile(
    r"^\s*((?:public|final|abstract|sealed|static)\s+)*(class|interface|enum|record)\s+(\w+)",
    re.MULTILINE,
)
_JAVA_METHOD = re.compile(
    r"^\s*(?:(?:public|private|protected|static|final|abstract|synchronized)\s+)*"
    r"[\w<>\[\],.?]+(?:\s*<[^>]*>)?\s+\w+\s*\([^)]*\)\s*(?:throws\s+[\w.,\s]+)?\{",
    re.MULTILINE,
)


class Scaffold(BaseModel):
    """A compilable file made from a snippet, and where each of its lines came from."""

    file: str
    lines: list[str]
    origin: list[int | None] = Field(description="per file line: the snippet line, or None")
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, file: str, code: str) -> Scaffold:
        lines = code.split("\n")
        return cls(file=file, lines=lines, origin=list(range(1, len(lines) + 1)))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def insert(self, at: int, new_lines: list[str], note: str = "") -> None:
        self.lines[at:at] = new_lines
        self.origin[at:at] = [None] * len(new_lines)
        if note:
            self.notes.append(note)

    def map(self, d: Diagnostic) -> Diagnostic:
        if d.file != self.file or not d.line:
            return d
        line = self.origin[d.line - 1] if d.line <= len(self.origin) else None
        if line is None:
            return d.model_copy(
                update={"line": 0, "column": 0, "message": f"{d.message} (in Ingle's scaffolding)"}
            )
        return d.model_copy(update={"line": line})


async def check_snippet(
    language: str, code: str, env: GateEnv, browser: BrowserGate | None = None
) -> GateResult:
    """Gate one code block. `browser` reuses a running browser for HTML snippets."""
    gate = LANGUAGES.get(language.strip().lower())
    if gate is None:
        return not_applicable(language or "unknown").model_copy(
            update={"detail": f"no gate for language {language!r}"}
        )
    with tempfile.TemporaryDirectory(prefix="ingle-snippet-") as tmp:
        root = Path(tmp)
        if gate == "go":
            return await _check_go(code, root, env)
        if gate == "java":
            return await _check_java(code, root, env)
        if gate == "browser":
            (root / "snippet.html").write_text(code, encoding="utf-8")
            if browser is not None:
                return await browser.run(["snippet.html"], root)
            async with BrowserGate(env) as own:
                return await own.run(["snippet.html"], root)
        name = {"python": "snippet.py", "typescript": "snippet.ts"}.get(gate)
        name = name or ("snippet.mjs" if is_module(code, "snippet.js") else "snippet.js")
        (root / name).write_text(code, encoding="utf-8")
        runner = {"python": PythonGate, "javascript": JavaScriptGate, "typescript": TypeScriptGate}
        return await runner[gate](env).run([name], root)


def scaffold_go(code: str) -> Scaffold:
    scaffold = Scaffold.of("snippet.go", code.rstrip("\n"))
    header_end = 0
    in_import_block = False
    for i, line in enumerate(scaffold.lines):
        if in_import_block:
            in_import_block = not line.strip().startswith(")")
        elif _GO_HEADER_LINE.match(line):
            in_import_block = bool(re.match(r"^\s*import\s*\($", line))
        else:
            break
        header_end = i + 1
    body = "\n".join(scaffold.lines[header_end:])
    has_package = any(_GO_PACKAGE.match(line) for line in scaffold.lines[:header_end])
    if body.strip() and not _GO_DECL.search(body):
        scaffold.insert(header_end, ["func main() {"], "wrapped the statements in func main")
        scaffold.insert(len(scaffold.lines), ["}"])
    if not has_package:
        scaffold.insert(0, ["package main", ""], "added package main")
    is_main = any(re.match(r"^\s*package\s+main\b", line) for line in scaffold.lines)
    if is_main and not re.search(r"^func\s+main\s*\(", "\n".join(scaffold.lines), re.MULTILINE):
        scaffold.insert(len(scaffold.lines), ["", "func main() {}"], "added an empty func main")
    return scaffold


async def _check_go(code: str, root: Path, env: GateEnv) -> GateResult:
    watch = Stopwatch()
    gate = GoGate(env)
    toolchain = gate.toolchain()
    if toolchain is None:
        return could_not_run(
            "go",
            ["snippet.go"],
            not_found("go", env.settings.go_executable),
            INSTALL_HINTS["go"],
            watch,
        )
    scaffold = scaffold_go(code)
    module = root / "module"
    module.mkdir()
    try:
        _, version = await toolchain.describe(root)
        (module / "go.mod").write_text(f"module snippet\n\ngo {version}\n", encoding="utf-8")
        added: set[str] = set()
        while True:  # each build may reveal more undefined packages
            (module / scaffold.file).write_text(scaffold.text(), encoding="utf-8")
            found = await check_packages(toolchain, module, ["."], module, root)
            index = await toolchain.std_index(root)
            source = scaffold.text()
            wanted = {
                path
                for name in undefined_names(d.message for d in found)
                if (path := index.resolve(name, used_symbols(source, name))) and path not in added
            }
            if not wanted or len(added) >= 20:
                break
            package_line = next(
                i for i, line in enumerate(scaffold.lines) if _GO_PACKAGE.match(line)
            )
            note = "added imports: " + ", ".join(sorted(wanted))
            scaffold.insert(package_line + 1, import_block(wanted), note)
            added |= wanted
    except TimeoutError:
        limit = env.settings.timeouts.go
        return could_not_run(
            "go", ["snippet.go"], f"go did not finish within {limit:g} s", "", watch
        )
    except GoUnusable as exc:
        return could_not_run(
            "go", ["snippet.go"], f"go does not run: {exc}", INSTALL_HINTS["go"], watch
        )
    diagnostics = [scaffold.map(d) for d in found] + _notes(scaffold, "go")
    return finished("go", [scaffold.file], diagnostics, watch, "snippet: go build + go vet")


def scaffold_java(code: str) -> Scaffold:
    lines = code.rstrip("\n").split("\n")
    header_end = 0
    for i, line in enumerate(lines):
        if re.match(r"^\s*(import\s+[\w.*]+\s*;|package\s+[\w.]+\s*;|//.*|\s*)$", line):
            header_end = i + 1
        else:
            break
    body = "\n".join(lines[header_end:])
    types = _JAVA_TYPE.findall(body)
    public = [name for mods, _, name in types if "public" in mods]
    name = (public or [t[2] for t in types] or ["Snippet"])[0]
    scaffold = Scaffold.of(f"{name}.java", "\n".join(lines))
    if not types:
        if _JAVA_METHOD.search(body):
            scaffold.insert(header_end, ["class Snippet {"], "wrapped the methods in class Snippet")
            scaffold.insert(len(scaffold.lines), ["}"])
        else:
            opening = ["class Snippet {", "static void snippet() throws Exception {"]
            scaffold.insert(
                header_end, opening, "wrapped the statements in a method of class Snippet"
            )
            scaffold.insert(len(scaffold.lines), ["}", "}"])
    if not re.search(r"^\s*package\s", code, re.MULTILINE):
        imports = [f"import {p}.*;" for p in JAVA_IMPLICIT_IMPORTS]
        scaffold.insert(0, imports)
    return scaffold


async def _check_java(code: str, root: Path, env: GateEnv) -> GateResult:
    scaffold = scaffold_java(code)
    (root / scaffold.file).write_text(scaffold.text(), encoding="utf-8")
    result = await JavaGate(env).run([scaffold.file], root)
    diagnostics = [scaffold.map(d) for d in result.diagnostics] + _notes(scaffold, "javac")
    return result.model_copy(update={"diagnostics": diagnostics})


def _notes(scaffold: Scaffold, tool: str) -> list[Diagnostic]:
    return [
        Diagnostic(
            file=scaffold.file, severity=Severity.INFO, message=n, rule="scaffold", tool=tool
        )
        for n in scaffold.notes
    ]
