"""Trimming Maven Surefire and Gradle test output: failing tests, messages, and the
stack frames outside the test frameworks and the JDK."""

from __future__ import annotations

import re

from ingle.core.test_runs.models import TestFailure, TrimmedOutput
from ingle.core.test_runs.output_text import clip_lines, last_frames

# Surefire 3: `[ERROR] com.x.CalcTest.add -- Time elapsed: 0.01 s <<< FAILURE!`;
# Surefire 2: `add(com.x.CalcTest)  Time elapsed: 0.01 sec  <<< ERROR!`.
_SUREFIRE_TEST = re.compile(
    r"^(?:\[ERROR\] )?(.+?)(?: --|  ) ?Time elapsed: [\d.,]+ s(?:ec)?\s+<<< (FAILURE|ERROR)!$"
)
_SUREFIRE_TOTAL = re.compile(
    r"^(?:\[\w+\] )?(Tests run: \d+, Failures: \d+, Errors: \d+, Skipped: \d+)\s*$"
)
_JAVAC_ERROR = re.compile(
    r"^(?:\[ERROR\] )?(\S+\.(?:java|kt)):\[?(\d+)[,:]?(\d*)\]?:? (?:error: )?(.*)$"
)
_GRADLE_TEST = re.compile(r"^(\S.*?) > (.+) FAILED$")
_GRADLE_TOTAL = re.compile(r"^(\d+ tests? completed, \d+ failed.*)$")
_FRAME = re.compile(r"^\s*at ([\w$.<>/]+)\(([^)]*)\)$")
_LIBRARY = (
    "java.", "javax.", "jdk.", "sun.", "com.sun.", "org.junit.", "junit.", "org.opentest4j.",
    "org.apache.maven.", "org.gradle.", "org.testng.", "org.hamcrest.", "org.assertj.",
    "kotlin.", "worker.org.gradle.",
)  # fmt: skip


def trim_maven(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures: list[TestFailure] = []
    i = 0
    while i < len(lines):
        match = _SUREFIRE_TEST.match(lines[i])
        i += 1
        if not match:
            continue
        body: list[str] = []
        while (
            i < len(lines) and not lines[i].startswith("[") and not _SUREFIRE_TEST.match(lines[i])
        ):
            body.append(lines[i])
            i += 1
        message, trace = _exception(body)
        failures.append(TestFailure(name=_surefire_name(match[1]), message=message, trace=trace))
    failures.extend(_compile_errors(lines))
    totals = [m[1] for m in map(_SUREFIRE_TOTAL.match, lines) if m]
    return TrimmedOutput(
        failures=failures,
        summary_line=totals[-1] if totals else "",
        no_tests=bool(totals) and totals[-1].startswith("Tests run: 0,"),
    )


def trim_gradle(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures: list[TestFailure] = []
    i = 0
    while i < len(lines):
        match = _GRADLE_TEST.match(lines[i])
        i += 1
        if not match:
            continue
        body: list[str] = []
        while i < len(lines) and (lines[i].startswith(" ") or not lines[i].strip()):
            if not lines[i].strip() and (i + 1 >= len(lines) or not lines[i + 1].startswith(" ")):
                break
            body.append(lines[i].strip())
            i += 1
        message, trace = _exception(body)
        failures.append(TestFailure(name=f"{match[1]} > {match[2]}", message=message, trace=trace))
    failures.extend(_compile_errors(lines))
    totals = [m[1] for m in map(_GRADLE_TOTAL.match, lines) if m]
    return TrimmedOutput(failures=failures, summary_line=totals[-1] if totals else "")


def _surefire_name(raw: str) -> str:
    legacy = re.match(r"^(\w+)\(([\w.$]+)\)$", raw.strip())
    return f"{legacy[2]}.{legacy[1]}" if legacy else raw.strip()


def _exception(body: list[str]) -> tuple[str, str]:
    """(message, trace): the exception lines, and the frames in the project's code."""
    message: list[str] = []
    frames: list[str] = []
    for line in body:
        frame = _FRAME.match(line)
        if frame:
            name = re.sub(r"^[\w.]*//", "", frame[1])  # Gradle's class-loader prefix: app//
            if not name.startswith(_LIBRARY):
                frames.append(f"{name}({frame[2]})")
        elif line.strip().startswith("..."):  # "... 42 more"
            continue
        elif not frames:
            message.append(line.strip())
    return clip_lines(message), last_frames(list(reversed(frames)))


def _compile_errors(lines: list[str]) -> list[TestFailure]:
    errors: list[TestFailure] = []
    for i, line in enumerate(lines):
        match = _JAVAC_ERROR.match(line)
        if not match:
            continue
        where = f"{match[1]}:{match[2]}" + (f":{match[3]}" if match[3] else "")
        # javac's detail lines (symbol:, location:) follow, indented.
        detail = [x.strip() for x in lines[i + 1 : i + 4] if x.startswith("  ") and x.strip()]
        errors.append(
            TestFailure(
                name=f"compile error {where}",
                message=clip_lines([match[4], *detail]),
                error=True,
            )
        )
    return errors
