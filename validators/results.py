"""What a gate reports: a status, the diagnostics behind it, and how long it took.

These are plain pydantic models so the turn, the event stream, batch `--json` output,
the MCP server and the evaluator can all carry gate results without translation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class GateStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    # The tool is missing or broke; never blocks a commit unless the gate is required.
    COULD_NOT_RUN = "could_not_run"


class Diagnostic(BaseModel):
    """One finding, in the tool's own words, pointing at a file of the checked tree."""

    model_config = ConfigDict(frozen=True)

    file: str = Field(description="path relative to the gate's root; '' when not about a file")
    line: int = Field(0, ge=0, description="1-based; 0 when the tool gave no line")
    column: int = Field(0, ge=0, description="1-based; 0 when the tool gave no column")
    severity: Severity = Severity.ERROR
    message: str
    rule: str | None = Field(
        None, description="the tool's own id: F821, TS2322, no-undef, vet:printf"
    )
    tool: str = Field(description="which tool said it: ruff, go vet, chromium, ...")

    def location(self) -> str:
        where = self.file or f"<{self.tool}>"
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return where

    def one_line(self) -> str:
        """`file:line:col severity rule message`, the form `ingle check` prints and the
        repair prompt quotes."""
        rule = f" {self.rule}" if self.rule else ""
        message = self.message.replace("\n", " | ")
        return f"{self.location()} {self.severity.value}{rule} {message}"


class GateResult(BaseModel):
    gate: str = Field(description="python, go, java, javascript, typescript, browser")
    status: GateStatus
    files: list[str] = Field(default_factory=list, description="the files this gate looked at")
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    duration_s: float = Field(0.0, ge=0)
    detail: str = Field("", description="one line on what ran, or why it could not run")
    install_hint: str = Field("", description="how to get the missing tool (could_not_run)")
    artifacts: list[str] = Field(default_factory=list, description="screenshots written")

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


def verdict(diagnostics: Iterable[Diagnostic]) -> GateStatus:
    """Errors fail a gate; warnings and notes are shown but never block."""
    failed = any(d.severity is Severity.ERROR for d in diagnostics)
    return GateStatus.FAILED if failed else GateStatus.PASSED


class GatesReport(BaseModel):
    """Every gate run on one set of changed files."""

    results: list[GateResult] = Field(default_factory=list)

    def blocking(self, required: Sequence[str] = ()) -> list[GateResult]:
        """The results that must stop a commit: any failure, and a required gate that
        could not run."""
        return [
            r
            for r in self.results
            if r.status is GateStatus.FAILED
            or (r.status is GateStatus.COULD_NOT_RUN and r.gate in required)
        ]

    @property
    def any_failed(self) -> bool:
        return any(r.status is GateStatus.FAILED for r in self.results)

    @property
    def any_could_not_run(self) -> bool:
        return any(r.status is GateStatus.COULD_NOT_RUN for r in self.results)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for r in self.results for d in r.diagnostics]
