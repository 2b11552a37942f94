"""Trimming pytest output (run with --tb=short -rfE) to failing tests, messages and frames."""

from __future__ import annotations

import re
import textwrap

from ingle.core.test_runs.models import TestFailure, TrimmedOutput
from ingle.core.test_runs.output_text import clip_lines, in_repository, last_frames

_MAJOR = re.compile(r"^={3,} (.+?) ={3,}$")
_MINOR = re.compile(r"^_{3,} (.+?) _{3,}$")
_CAPTURED = re.compile(r"^-{3,} (Captured .*?|.* log .*?) -{3,}$")
_ENTRY = re.compile(r"^(FAILED|ERROR) (\S+(?:\[.*?\])?)(?: - (.*))?$")
_FRAME = re.compile(r"^(\S.*?):(\d+): in (.+)$")
_COUNTS = re.compile(
    r"^=*\s*((?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)"
    r"(?:, )?)+ in [\d.]+s(?: \([\d:]+\))?|no tests ran in [\d.]+s)\s*=*$"
)


def trim_pytest(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    blocks = _blocks(lines)
    entries = [m for m in map(_ENTRY.match, _section(lines, "short test summary info")) if m]
    counts = next((m[1] for m in map(_COUNTS.match, reversed(lines)) if m), "")
    summary = re.sub(r" in [\d.]+s(?: \([\d:]+\))?$", "", counts)  # timings vary run to run
    failures: list[TestFailure] = []
    used: set[int] = set()
    for entry in entries:
        kind, node_id, short = entry[1], entry[2], entry[3] or ""
        index = _find_block(blocks, kind, node_id, used)
        message, trace = ("", "")
        if index is not None:
            used.add(index)
            message, trace = _parse_block(blocks[index][1])
        failures.append(
            TestFailure(
                name=node_id,
                message=message or short,
                trace=trace,
                error=kind == "ERROR",
            )
        )
    if not entries:  # no summary (addopts may turn it off): name blocks by their headers
        for header, body in blocks:
            message, trace = _parse_block(body)
            failures.append(
                TestFailure(
                    name=header, message=message, trace=trace, error=header.startswith("ERROR")
                )
            )
    return TrimmedOutput(
        failures=failures, summary_line=summary, no_tests=summary.startswith("no tests ran")
    )


def _section(lines: list[str], title: str) -> list[str]:
    inside = False
    found: list[str] = []
    for line in lines:
        major = _MAJOR.match(line)
        if major:
            inside = major[1] == title
            continue
        if inside:
            found.append(line)
    return found


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(header, body) for each test's part of the FAILURES and ERRORS sections."""
    blocks: list[tuple[str, list[str]]] = []
    inside = False
    for line in lines:
        major = _MAJOR.match(line)
        if major:
            inside = major[1] in ("FAILURES", "ERRORS")
            continue
        if not inside:
            continue
        minor = _MINOR.match(line)
        if minor:
            blocks.append((minor[1], []))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def _find_block(
    blocks: list[tuple[str, list[str]]], kind: str, node_id: str, used: set[int]
) -> int | None:
    path, _, rest = node_id.partition("::")
    head = rest.replace("::", ".")
    wanted = (
        {head}
        if kind == "FAILED"
        else {f"ERROR collecting {path}", f"ERROR at setup of {head}", f"ERROR at teardown of {head}",
              f"ERROR collecting {node_id}"}
    )  # fmt: skip
    for index, (header, _) in enumerate(blocks):
        if index not in used and header in wanted:
            return index
    return None


def _parse_block(body: list[str]) -> tuple[str, str]:
    """(message, trace): the E lines (or the error text of a collection failure) and
    the frames that point into the repository, each with its source line."""
    message: list[str] = []
    preamble: list[str] = []
    frames: list[str] = []
    current: str | None = None
    for line in body:
        if _CAPTURED.match(line):
            break  # captured output follows: long, and rarely what the repair needs
        frame = _FRAME.match(line)
        if frame:
            current = f"{frame[1]}:{frame[2]}: in {frame[3]}" if in_repository(frame[1]) else None
            if current:
                frames.append(current)
            continue
        if line.startswith("E ") or line == "E":
            message.append(line[1:])
        elif line.startswith("    ") and current is not None and frames and frames[-1] == current:
            frames[-1] = f"{current}\n    {line.strip()}"  # the frame's source line
        elif (
            line.strip()
            and not line.startswith((" ", "Hint:", "Traceback:"))
            and not message
            and not frames
        ):
            preamble.append(line)
    # E lines are indented by the traceback style (3 spaces short, 7 long): drop that.
    message = textwrap.dedent("\n".join(message)).split("\n") if message else preamble
    return clip_lines(message), last_frames(frames)
