"""Trimming a test run's output to what a repair needs, per framework.

Each framework's trimmer finds the failing tests, their assertion or error
messages, and the traceback frames that point into the repository (frames in the
standard library, the test framework and dependencies are dropped). A custom
command's output is recognised by its framework's marks; output no trimmer knows
yields no failures, and the caller falls back to the output's tail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ingle.core.test_runs.models import OutputFormat, TrimmedOutput
from ingle.core.test_runs.output_text import clean_output
from ingle.core.test_runs.trim_cargo import trim_cargo
from ingle.core.test_runs.trim_go import trim_go
from ingle.core.test_runs.trim_jest import trim_jest, trim_vitest
from ingle.core.test_runs.trim_jvm import trim_gradle, trim_maven
from ingle.core.test_runs.trim_node import trim_node
from ingle.core.test_runs.trim_pytest import trim_pytest

TRIMMERS: dict[OutputFormat, Callable[[str], TrimmedOutput]] = {
    OutputFormat.PYTEST: trim_pytest,
    OutputFormat.GO: trim_go,
    OutputFormat.NODE: trim_node,
    OutputFormat.JEST: trim_jest,
    OutputFormat.VITEST: trim_vitest,
    OutputFormat.CARGO: trim_cargo,
    OutputFormat.MAVEN: trim_maven,
    OutputFormat.GRADLE: trim_gradle,
}

# Marks each framework's output carries, tried in order when the format is unknown.
_SIGNATURES: tuple[tuple[OutputFormat, re.Pattern[str]], ...] = (
    (OutputFormat.PYTEST, re.compile(r"^=+ (FAILURES|ERRORS|short test summary info|test session starts) =+$", re.MULTILINE)),
    (OutputFormat.GO, re.compile(r"^(--- FAIL: |(ok|FAIL)\s+\S+\s+[\d.]+s$)", re.MULTILINE)),
    (OutputFormat.NODE, re.compile(r"^(TAP version \d+|ℹ tests \d+)$", re.MULTILINE)),
    (OutputFormat.VITEST, re.compile(r"^\s+Test Files\s+\d+", re.MULTILINE)),
    (OutputFormat.JEST, re.compile(r"^Test Suites: ", re.MULTILINE)),
    (OutputFormat.CARGO, re.compile(r"^(test result: (ok|FAILED)\.|error: could not compile `)", re.MULTILINE)),
    (OutputFormat.MAVEN, re.compile(r"^(\[\w+\] )?(Tests run: \d+, Failures: \d+|COMPILATION ERROR)", re.MULTILINE)),
    (OutputFormat.GRADLE, re.compile(r"^\d+ tests? completed, \d+ failed", re.MULTILINE)),
)  # fmt: skip


def recognise_format(text: str) -> OutputFormat:
    for output_format, signature in _SIGNATURES:
        if signature.search(text):
            return output_format
    return OutputFormat.UNKNOWN


def trim_output(output_format: OutputFormat, text: str, roots: Sequence[str] = ()) -> TrimmedOutput:
    """Failures and the count line from a run's combined output. `roots` are the
    absolute paths of the tree that ran; they are made relative first."""
    cleaned = clean_output(text, roots)
    if output_format is OutputFormat.UNKNOWN:
        output_format = recognise_format(cleaned)
    trimmer = TRIMMERS.get(output_format)
    return trimmer(cleaned) if trimmer else TrimmedOutput()
