"""Deciding a test run's status, and the compact text the repair prompt quotes."""

from __future__ import annotations

from ingle.core.test_runs.models import TestFailure, TestStatus, TrimmedOutput
from ingle.core.test_runs.output_text import tail

MAX_FAILURES_SHOWN = 8
MAX_SUMMARY_CHARS = 6000
_TAIL_LINES_FOR_MODEL = 30


def decide_status(
    exit_code: int | None, timed_out: bool, trimmed: TrimmedOutput, output: str
) -> TestStatus:
    if timed_out or trimmed.timed_out:
        return TestStatus.TIMED_OUT
    if exit_code == 0:
        return TestStatus.PASSED
    if trimmed.no_tests and not trimmed.failures:
        return TestStatus.PASSED  # nothing to run is not a failure of the edit (pytest exit 5)
    if exit_code == 127 and "not found" in output:
        return TestStatus.COULD_NOT_RUN  # the shell could not find a program the tests need
    if any(not f.error for f in trimmed.failures):
        return TestStatus.FAILED
    return TestStatus.ERROR


def model_summary(
    status: TestStatus,
    what_ran: str,
    failures: list[TestFailure],
    summary_line: str,
    output_tail: str,
    detail: str,
    install_hint: str,
) -> str:
    """A few lines a model can act on: the verdict, then each failure with its message
    and repository frames, within a fixed budget; the output's tail when nothing
    was recognised."""
    counts = f": {summary_line}" if summary_line else ""
    if status is TestStatus.COULD_NOT_RUN:
        return f"Tests could not run ({what_ran}): {detail}. {install_hint}".strip()
    if status is TestStatus.TIMED_OUT:
        head = f"Tests timed out ({what_ran}): {detail}. The last output:"
        return _fit(f"{head}\n{tail(output_tail, _TAIL_LINES_FOR_MODEL)}")
    verdict = {
        TestStatus.PASSED: "Tests passed",
        TestStatus.FAILED: "Tests failed",
        TestStatus.ERROR: "Tests could not complete",
    }[status]
    parts = [f"{verdict} ({what_ran}){counts}"]
    if status is TestStatus.PASSED:
        return parts[0]
    shown = 0
    for failure in failures:
        block = _failure_text(failure)
        if shown >= MAX_FAILURES_SHOWN or sum(map(len, parts)) + len(block) > MAX_SUMMARY_CHARS:
            break
        parts.append(block)
        shown += 1
    if shown < len(failures):
        parts.append(f"… and {len(failures) - shown} more not shown")
    if not failures:
        parts.append(f"The last output:\n{tail(output_tail, _TAIL_LINES_FOR_MODEL)}")
    return _fit("\n\n".join(parts))


def _failure_text(failure: TestFailure) -> str:
    lines = [f"{'ERROR' if failure.error else 'FAILED'} {failure.name}"]
    if failure.message:
        lines.append(failure.message)
    if failure.trace:
        lines.append("Trace:")
        lines.extend(f"  {line}" for line in failure.trace.split("\n"))
    return "\n".join(lines)


def _fit(text: str) -> str:
    return text if len(text) <= MAX_SUMMARY_CHARS else text[: MAX_SUMMARY_CHARS - 2] + " …"
