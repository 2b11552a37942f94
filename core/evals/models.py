"""The evaluator's shapes: a suite (cases, subjects, checks), a sample, its scores, a report.

Suites are read from TOML into these models (core/evals/suites.py); samples and scores
are stored by memory/evals.py; metrics and diffs come back as these models for the CLI,
the pane and `--json`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingle.memory import evals as rows
from ingle.memory.evals import SampleRow, ScoreRow

CheckType = Literal[
    "equals", "contains", "regex", "json_schema", "python", "gates", "tests", "browser",
    "latency", "visible_tokens", "thinking_tokens", "cost", "humaneval",
    "rubric", "pairwise", "select_best",
]
DETERMINISTIC = frozenset({
    "equals", "contains", "regex", "json_schema", "python", "gates", "tests", "browser",
    "latency", "visible_tokens", "thinking_tokens", "cost", "humaneval",
})
# Judges that compare samples of different subjects: they run once a case is complete.
CASE_JUDGES = frozenset({"pairwise", "select_best"})


class _Strict(BaseModel):
    # A misspelt key in a suite is an error naming the key, never silently ignored.
    model_config = ConfigDict(extra="forbid")


class CheckSpec(_Strict):
    """One check: what it looks at, how much it counts, and whether it must pass."""

    type: CheckType
    name: str = ""  # defaults to the type; names must be unique within a case
    value: Any = None  # equals/contains: the text (default: the case's expected value)
    pattern: str = ""  # regex
    ignore_case: bool = False
    schema_: dict[str, Any] | None = Field(None, alias="schema")  # json_schema
    function: str = ""  # python: "module:function" taking (output, case) -> bool | float
    language: str = ""  # gates: the validator to use (python, go, ...); default: the fence's
    command: str = ""  # tests: a shell command run in a temporary directory
    file: str = ""  # gates/tests/browser: where the reply's code block is written
    timeout_s: float = Field(30.0, gt=0)
    max: float | None = None  # latency (s), visible/thinking tokens, cost (USD): the ceiling
    rubric: str = ""  # rubric: what a good answer does
    judge: str = ""  # rubric/pairwise/select_best: a persona name or "claude"
    against: str = ""  # pairwise: the subject to compare with (default: the first subject)
    weight: float = Field(1.0, ge=0)
    threshold: float = Field(1.0, ge=0, le=1)  # a score at or above this passes
    must_pass: bool = False

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def key(self) -> str:
        return self.name or self.type


class Case(_Strict):
    id: str
    prompt: str = ""
    messages: list[dict[str, str]] = Field(default_factory=list)
    vars: dict[str, str] = Field(default_factory=dict)
    expected: str | None = None
    files: dict[str, str] = Field(default_factory=dict)  # fixture files for tests/gates
    tags: list[str] = Field(default_factory=list)
    split: Literal["train", "holdout"] = "train"
    checks: list[CheckSpec] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)  # for built-in harnesses (HumanEval)

    def text(self) -> str:
        """The prompt with {name} variables filled in."""
        text = self.prompt
        for name, value in self.vars.items():
            text = text.replace("{" + name + "}", value)
        return text


class Suite(_Strict):
    name: str
    description: str = ""
    samples: int = Field(1, ge=1, le=1000)
    personas: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    temperature: float | None = None
    checks: list[CheckSpec] = Field(default_factory=list)  # defaults for every case
    thresholds: dict[str, float] = Field(default_factory=dict)  # metric name -> minimum
    repairs: int = Field(0, ge=0, le=5)  # feedback rounds after a failed sample
    cases: list[Case]
    source: str = ""  # where it was read from (a path, or "builtin:NAME")

    @field_validator("cases")
    @classmethod
    def _unique_ids(cls, cases: list[Case]) -> list[Case]:
        seen: set[str] = set()
        for case in cases:
            if case.id in seen:
                raise ValueError(f"two cases have the id '{case.id}'; case ids must be unique")
            seen.add(case.id)
        return cases

    def checks_for(self, case: Case) -> list[CheckSpec]:
        """The case's own checks, plus the suite defaults it does not override by name."""
        own = {c.key for c in case.checks}
        return list(case.checks) + [c for c in self.checks if c.key not in own]


class Subject(BaseModel):
    """One column of the matrix: a persona (at a version) on a model."""

    model_config = ConfigDict(frozen=True)

    persona: str
    version: int | None = None
    model: str  # a model reference, "qwen3:8b" or "qwen3:8b@gpu"

    @property
    def label(self) -> str:
        version = f"@{self.version}" if self.version is not None else ""
        return f"{self.persona}{version} x {self.model}"


class CheckResult(BaseModel):
    passed: bool
    score: float
    reason: str = ""
    skipped: bool = False


class RunInfo(BaseModel):
    id: str
    suite: str
    started_at: float
    finished_at: float | None = None
    status: Literal["running", "interrupted", "done"] = "running"
    subjects: list[Subject]
    samples: int = 1
    limit: int | None = None
    stored: int = 0  # samples stored so far
    planned: int = 0


class SubjectMetrics(BaseModel):
    subject: str
    metrics: dict[str, float | None]
    failed_thresholds: list[str] = Field(default_factory=list)
    # The first sample error (a model not installed, a dead server): why scores are 0.
    first_error: str = ""


class CaseCell(BaseModel):
    """One cell of the cases x subjects grid."""

    case_id: str
    subject: str
    passed: int
    total: int
    score: float
    latency_s: float
    errors: int = 0


class RunReport(BaseModel):
    run: RunInfo
    subjects: list[SubjectMetrics]
    cells: list[CaseCell]

    @property
    def passed_thresholds(self) -> bool:
        return not any(s.failed_thresholds for s in self.subjects)


class CaseChange(BaseModel):
    case_id: str
    subject: str
    base: float
    cand: float
    change: Literal["improved", "regressed", "unchanged"]


class DiffReport(BaseModel):
    base: str
    cand: str
    changes: list[CaseChange]
    flip_rate: float
    improved: int
    regressed: int
    unchanged: int


class SampleDetail(BaseModel):
    """One sample with its scores and the human label, for the pane's detail view."""

    sample: SampleRow
    scores: list[ScoreRow]
    label: rows.LabelRow | None = None
    passed: bool
    score: float
