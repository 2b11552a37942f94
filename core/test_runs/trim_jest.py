"""Trimming Jest and Vitest output to failing tests, messages and repository frames."""

from __future__ import annotations

import re

from ingle.core.test_runs.models import TestFailure, TrimmedOutput
from ingle.core.test_runs.output_text import clip_lines, in_repository, last_frames

_JEST_BLOCK = re.compile(r"^  ● (.+)$")
_JEST_FILE = re.compile(r"^FAIL (\S+)")
_JEST_TESTS = re.compile(r"^Tests:\s+(.*)$")
_CODE_FRAME = re.compile(r"^\s*>?\s*\d+\s?\|")
_AT = re.compile(r"^\s*at (?:.*? \()?([^()\s]+?):(\d+):(\d+)\)?$")
_VITEST_FAIL = re.compile(r"^ FAIL  (.+?)(?: \[ .+ \])?$")
_VITEST_ARROW = re.compile(r"^ ❯ (?:(\S+) )?([^\s:]+):(\d+):(\d+)$")
_VITEST_COUNT = re.compile(r"^\s+Tests\s+(.*)$")
_SEPARATOR = "⎯"


def trim_jest(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures: list[TestFailure] = []
    current_file = ""
    name: str | None = None
    body: list[str] = []
    for line in [*lines, "END"]:
        if match := _JEST_FILE.match(line):
            current_file = match[1]
        block = _JEST_BLOCK.match(line)
        if name is not None and (block or (line and not line.startswith(" "))):
            failures.append(_jest_failure(name, current_file, body))
            name = None
        if block:
            name, body = block[1], []
        elif name is not None:
            body.append(line[4:] if line.startswith("    ") else line.strip())
    summary = next((f"Tests: {m[1].strip()}" for m in map(_JEST_TESTS.match, lines) if m), "")
    return TrimmedOutput(failures=failures, summary_line=summary, no_tests="No tests found" in text)


def _jest_failure(name: str, current_file: str, body: list[str]) -> TestFailure:
    message: list[str] = []
    frames: list[str] = []
    in_code = False
    for line in body:
        if at := _AT.match(line):
            if in_repository(at[1]):
                frames.append(line.strip().removeprefix("at "))
        elif _CODE_FRAME.match(line) or (in_code and line.strip().startswith("|")):
            in_code = True
        elif not frames and not in_code:
            message.append(line)
    suite_error = name == "Test suite failed to run"
    return TestFailure(
        name=f"{current_file}: test suite failed to run" if suite_error else name,
        message=clip_lines(message),
        trace=last_frames(list(reversed(frames))),
        error=suite_error,
    )


def trim_vitest(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures: list[TestFailure] = []
    in_failed = False
    suite_errors = False
    name: str | None = None
    body: list[str] = []
    for line in [*lines, _SEPARATOR]:
        if line.strip().startswith(_SEPARATOR):
            if name is not None:
                failures.append(_vitest_failure(name, body, suite_errors))
                name = None
            if "Failed Tests" in line or "Failed Suites" in line:
                in_failed, suite_errors = True, "Failed Suites" in line
            continue
        if not in_failed:
            continue
        if match := _VITEST_FAIL.match(line):
            if name is not None:  # several failures share one separator-free stretch
                failures.append(_vitest_failure(name, body, suite_errors))
            name, body = match[1], []
        elif name is not None:
            body.append(line)
        if line.startswith(("Test Files", " Test Files")):
            in_failed = False
    summary = next((f"Tests {m[1].strip()}" for m in map(_VITEST_COUNT.match, lines) if m), "")
    return TrimmedOutput(
        failures=failures, summary_line=summary, no_tests="No test files found" in text
    )


def _vitest_failure(name: str, body: list[str], suite_error: bool) -> TestFailure:
    message: list[str] = []
    frames: list[str] = []
    for line in body:
        if arrow := _VITEST_ARROW.match(line):
            if in_repository(arrow[2]):
                where = f"{arrow[2]}:{arrow[3]}:{arrow[4]}"
                frames.append(f"{arrow[1]} ({where})" if arrow[1] else where)
        elif _CODE_FRAME.match(line) or re.match(r"^\s+\|", line):
            continue
        elif not frames:
            message.append(line)
    return TestFailure(
        name=name,
        message=clip_lines(message),
        trace=last_frames(list(reversed(frames))),
        error=suite_error,
    )
