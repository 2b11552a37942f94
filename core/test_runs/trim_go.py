"""Trimming `go test` output to failing tests, their log lines, panics and build errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingle.core.test_runs.models import TestFailure, TrimmedOutput
from ingle.core.test_runs.output_text import clip_lines, in_repository, last_frames

_TEST_FAIL = re.compile(r"^(\s*)--- FAIL: (\S+) \([\d.]+s\)$")
_TEST_OTHER = re.compile(r"^\s*--- (PASS|SKIP): ")
_PACKAGE = re.compile(r"^(ok|FAIL)\s+(\S+)(?:\s+(.*))?$")
_BUILD_HEADER = re.compile(r"^# (\S+)(?: \[.*\])?$")
_RUNNING = re.compile(r"^\t\t(\S+) \([\dhms.]+\)$")
_GOROUTINE = re.compile(r"^goroutine \d+ \[.*\]:$")
_FRAME_FILE = re.compile(r"^\t(\S+\.go):(\d+)(?: \+0x[0-9a-f]+)?$")


@dataclass
class _Open:
    name: str
    indent: int
    lines: list[str] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)  # innermost first, as Go prints them
    panic: bool = False
    timeout: bool = False  # go test's own -timeout fired
    goroutines: int = 0
    function: str = ""


def trim_go(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures: list[TestFailure] = []
    pending: list[_Open] = []  # failures of the package whose result line is still to come
    build: list[str] = []
    build_package = ""
    ok_packages, failed_packages, empty_packages = 0, 0, 0
    current: _Open | None = None
    timed_out = False
    for line in lines:
        if match := _TEST_FAIL.match(line):
            current = _Open(match[2], len(match[1]))
            pending.append(current)
            continue
        if _TEST_OTHER.match(line):
            current = None
            continue
        if (match := _PACKAGE.match(line)) and "\t" in line or line in ("FAIL", "PASS"):
            current = None
            if not match:
                continue
            package, rest = match[2], match[3] or ""
            if match[1] == "ok":
                empty_packages += "[no tests to run]" in rest
                ok_packages += 1
                continue
            failed_packages += 1
            if "[build failed]" in rest or "[setup failed]" in rest:
                failures.append(_build_failure(build_package or package, build))
                build, build_package = [], ""
            failures.extend(_close(pending, package))
            pending = []
            continue
        if match := _BUILD_HEADER.match(line):
            build_package, build, current = match[1], [], None
            continue
        if line.startswith("panic: ") or (current is None and line.startswith("fatal error: ")):
            timeout = line.startswith("panic: test timed out")
            if current is None or timeout:  # a timeout is not the last failed test's panic
                current = _Open("panic", 0)
                pending.append(current)
            current.panic = True
            current.timeout = timeout
            timed_out = timed_out or timeout
            current.lines.append(line)
            continue
        if current is not None and current.panic:
            _panic_line(current, line)
            continue
        if current is not None and line.startswith(" " * (current.indent + 4)) and line.strip():
            current.lines.append(line[current.indent + 4 :])
            continue
        if build_package and line.strip():
            build.append(line.strip())
    failures.extend(_close(pending, ""))
    summary = _summary(ok_packages, failed_packages)
    return TrimmedOutput(
        failures=failures,
        summary_line=summary,
        no_tests=not failures and ok_packages == empty_packages,
        timed_out=timed_out,
    )


def _panic_line(current: _Open, line: str) -> None:
    """A line of a panic's report: the tests that were running (on a timeout), then
    goroutine stacks. Frames come from the panicking goroutine (the first), or on a
    timeout from every goroutine, since the hung test is not the one that panicked."""
    if running := _RUNNING.match(line):
        if current.name == "panic":
            current.name = running[1]
        current.lines.append(f"still running: {running[1]}")
    elif _GOROUTINE.match(line):
        current.goroutines += 1
    elif frame := _FRAME_FILE.match(line):
        wanted = current.goroutines <= 1 or current.timeout
        if wanted and in_repository(frame[1]) and current.function:
            current.frames.append(f"{current.function}\n    {frame[1]}:{frame[2]}")
    elif line.strip() and not line.startswith("\t"):
        current.function = line.split("(", 1)[0]


def _close(pending: list[_Open], package: str) -> list[TestFailure]:
    names = [p.name for p in pending]
    closed: list[TestFailure] = []
    for item in pending:
        own = [line for line in item.lines if line.strip()]
        # A parent that failed only because a subtest did has nothing of its own to say.
        if not own and any(n.startswith(item.name + "/") for n in names):
            continue
        name = f"{item.name} ({package})" if package else item.name
        frames = list(reversed(item.frames))  # outermost first, like the other trimmers
        closed.append(TestFailure(name=name, message=clip_lines(own), trace=last_frames(frames)))
    return closed


def _build_failure(package: str, lines: list[str]) -> TestFailure:
    return TestFailure(
        name=f"build {package}",
        message=clip_lines(lines) or "the package did not build (see the output tail)",
        error=True,
    )


def _summary(ok: int, failed: int) -> str:
    if not ok and not failed:
        return ""
    return f"{failed} package{'s' if failed != 1 else ''} failed, {ok} ok"
