"""Trimming `cargo test` output: panics of failing tests and compile errors."""

from __future__ import annotations

import re

from ingle.core.test_runs.models import TestFailure, TrimmedOutput
from ingle.core.test_runs.output_text import clip_lines, in_repository, last_frames

_BLOCK = re.compile(r"^---- (\S+) stdout ----$")
_PANIC = re.compile(r"^thread '[^']*'(?: \(\d+\))? panicked at (\S+?):(\d+):(\d+):?$")
_FRAME_FN = re.compile(r"^\s+\d+: (.+)$")
_FRAME_AT = re.compile(r"^\s+at (\S+?):(\d+):(\d+)$")
_COMPILE_ERROR = re.compile(r"^error(\[E\d+\])?: (.*)$")
_ARROW = re.compile(r"^\s*--> (\S+?):(\d+):(\d+)$")
_RESULT = re.compile(r"^test result: (\w+)\. (.*?)(?:; finished in .*)?$")


def trim_cargo(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures = _test_failures(lines) + _compile_errors(lines)
    results = [m for m in map(_RESULT.match, lines) if m]
    failed = [m for m in results if m[1] != "ok"]
    shown = (failed or results)[-1:] if results else []
    summary = f"test result: {shown[0][1]}. {shown[0][2]}" if shown else ""
    return TrimmedOutput(failures=failures, summary_line=summary, no_tests=bool(results) and all(
        m[2].startswith("0 passed; 0 failed") for m in results
    ))  # fmt: skip


def _test_failures(lines: list[str]) -> list[TestFailure]:
    failures: list[TestFailure] = []
    i = 0
    while i < len(lines):
        block = _BLOCK.match(lines[i])
        if not block:
            i += 1
            continue
        body: list[str] = []
        i += 1
        while i < len(lines) and not _BLOCK.match(lines[i]) and lines[i].strip() != "failures:":
            body.append(lines[i])
            i += 1
        failures.append(_failure(block[1], body))
    return failures


def _failure(name: str, body: list[str]) -> TestFailure:
    message: list[str] = []
    panic = ""
    backtrace: list[str] = []  # innermost first, as Rust prints it
    function = ""
    in_backtrace = False
    for line in body:
        if match := _PANIC.match(line):
            panic = f"panicked at {match[1]}:{match[2]}:{match[3]}"
        elif line.startswith("stack backtrace:"):
            in_backtrace = True
        elif in_backtrace:
            if fn := _FRAME_FN.match(line):
                function = fn[1]
            elif (
                (at := _FRAME_AT.match(line))
                and in_repository(at[1])
                and "{{closure}}" not in function
            ):
                backtrace.append(f"{function} at {at[1].removeprefix('./')}:{at[2]}")
        elif not line.startswith("note: "):
            message.append(line)
    frames = [*reversed(backtrace), *([panic] if panic else [])]
    return TestFailure(name=name, message=clip_lines(message), trace=last_frames(frames))


def _compile_errors(lines: list[str]) -> list[TestFailure]:
    errors: list[TestFailure] = []
    for i, line in enumerate(lines):
        match = _COMPILE_ERROR.match(line)
        if not match or match[2].startswith(("could not compile", "test failed", "aborting due")):
            continue
        where = next((m for m in map(_ARROW.match, lines[i + 1 : i + 4]) if m), None)
        location = f"{where[1]}:{where[2]}:{where[3]}" if where else ""
        body = [line]
        for follow in lines[i + 1 : i + 12]:
            if not follow.strip() or _COMPILE_ERROR.match(follow) or follow.startswith("warning"):
                break
            body.append(follow)
        errors.append(
            TestFailure(
                name=f"compile error {location}".strip(), message=clip_lines(body), error=True
            )
        )
    return errors
