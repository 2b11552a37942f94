"""What the test gate works with: the command, the related selection, and the result.

Plain pydantic models, so the turn, the event stream, batch `--json` and the TUI can
carry a test run without translation.
"""

from __future__ import annotations

import shlex
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class TestKind(StrEnum):
    """How the tests are started."""

    __test__ = False

    PYTEST = "pytest"
    GO = "go"
    MAVEN = "maven"
    GRADLE = "gradle"
    NPM = "npm"
    VITEST = "vitest"
    CARGO = "cargo"
    CUSTOM = "custom"  # a shell command from trusted config


class OutputFormat(StrEnum):
    """Whose output to expect, which decides how it is trimmed."""

    PYTEST = "pytest"
    GO = "go"
    NODE = "node"  # node --test (TAP or spec reporter)
    JEST = "jest"
    VITEST = "vitest"
    CARGO = "cargo"
    MAVEN = "maven"
    GRADLE = "gradle"
    UNKNOWN = "unknown"  # recognised from the output itself, else a generic tail


class TestCommand(BaseModel):
    """The repository's test command and why it was chosen."""

    __test__ = False

    kind: TestKind
    argv: list[str] = Field(description="the command as a person would type it")
    output_format: OutputFormat
    reason: str = Field(description="which files or setting made this the command")
    source: Literal["detected", "config"] = "detected"

    def shown(self) -> str:
        if self.kind is TestKind.CUSTOM:
            return self.argv[0]
        return shlex.join(self.argv)


class RelatedSelection(BaseModel):
    """The tests worth running first for a set of changed files."""

    kind: TestKind
    targets: list[str] = Field(description="pytest files/dirs, or go package patterns ./pkg")
    reason: str


class TestStatus(StrEnum):
    __test__ = False

    PASSED = "passed"
    FAILED = "failed"  # tests ran and some failed
    ERROR = "error"  # the run broke: collection or build error, crash, unexplained exit
    TIMED_OUT = "timed_out"
    COULD_NOT_RUN = "could_not_run"  # the tool is missing; install_hint says how to get it


TestScope = Literal["related", "full"]


class TestFailure(BaseModel):
    """One failing test (or one error that stopped tests running), trimmed."""

    __test__ = False

    name: str = Field(description="test id in the framework's own form, or what broke")
    message: str = Field(description="the assertion or error message")
    trace: str = Field("", description="the frames that point into the repository")
    error: bool = Field(False, description="a collection/build/setup error, not a test's verdict")


class TrimmedOutput(BaseModel):
    """What trimming keeps of a run's output."""

    failures: list[TestFailure] = Field(default_factory=list)
    summary_line: str = Field("", description="the framework's own count line")
    no_tests: bool = Field(False, description="the run found no tests to run")
    timed_out: bool = Field(False, description="the framework's own time limit stopped a test")


class TestStage(BaseModel):
    """One run of the tool: the related tests, or the full suite."""

    __test__ = False

    scope: TestScope
    command_line: str
    status: TestStatus
    exit_code: int | None = None
    duration_s: float = Field(0.0, ge=0)
    summary_line: str = ""


class TestRunResult(BaseModel):
    """The outcome of the test gate on one tree. Fields describe the last stage run;
    `stages` lists every stage (related first, then the full suite when asked)."""

    __test__ = False

    status: TestStatus
    kind: TestKind
    scope: TestScope
    command_line: str = Field(description="what ran, as a shell line")
    exit_code: int | None = None
    duration_s: float = Field(0.0, ge=0, description="all stages together")
    failures: list[TestFailure] = Field(default_factory=list)
    summary_line: str = ""
    summary_for_model: str = Field(description="compact text for the repair prompt")
    output_tail: str = Field("", description="the end of the output, paths made relative")
    detail: str = Field("", description="one line on what ran, or why it could not run")
    install_hint: str = ""
    selection: RelatedSelection | None = None
    stages: list[TestStage] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status is TestStatus.PASSED
