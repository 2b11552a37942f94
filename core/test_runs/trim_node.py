"""Trimming `node --test` output: the TAP reporter (node 20's default when not on a
terminal) and the spec reporter (later nodes' default, or chosen in the script)."""

from __future__ import annotations

import re

from ingle.core.test_runs.models import TestFailure, TrimmedOutput
from ingle.core.test_runs.output_text import clip_lines, in_repository, last_frames

_SUBTEST = re.compile(r"^(\s*)# Subtest: (.*)$")
_RESULT = re.compile(r"^(\s*)(not ok|ok) \d+ - (.*?)(?: # (?:SKIP|TODO)\b.*)?$")
_TAP_COUNT = re.compile(r"^# (tests|pass|fail) (\d+)$")
_SPEC_COUNT = re.compile(r"^ℹ (tests|pass|fail) (\d+)$")
_SPEC_FAIL = re.compile(r"^(\s*)✖ (.*?)(?: \([\d.]+m?s\))?$")
_LOCATION = re.compile(r"\(?([^()\s]+?):(\d+):(\d+)\)?$")
_ERROR_LINE = re.compile(r"^(?:\w+)?Error\b.*:|^\w+Error\b")
# Consequences of another failure, not failures of their own.
_DERIVED = {"subtestsFailed", "cancelledByParent"}
_SUBTESTS_FAILED = re.compile(r"^'?\d+ subtests? failed'?$")


def is_node_tap(text: str) -> bool:
    return "TAP version" in text


def trim_node(text: str) -> TrimmedOutput:
    return _trim_tap(text) if is_node_tap(text) else _trim_spec(text)


def _trim_tap(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    failures: list[TestFailure] = []
    stack: dict[int, str] = {}
    comments: list[str] = []  # a test file's stderr, reported as TAP comments
    i = 0
    while i < len(lines):
        line = lines[i]
        if match := _SUBTEST.match(line):
            indent = len(match[1])
            stack = {k: v for k, v in stack.items() if k < indent}
            stack[indent] = match[2]
        elif match := _RESULT.match(line):
            indent = len(match[1])
            block: list[str] = []
            if i + 1 < len(lines) and lines[i + 1].strip() == "---":
                i += 2
                while i < len(lines) and lines[i].strip() != "...":
                    block.append(lines[i])
                    i += 1
            if match[2] == "not ok":
                parents = [stack[k] for k in sorted(stack) if k < indent]
                found = _tap_failure(
                    [*parents, match[3]], _yaml_fields(block, indent + 2), comments
                )
                if found is not None:
                    failures.append(found)
            comments = []
            stack = {k: v for k, v in stack.items() if k < indent}
        elif line.lstrip().startswith("#") and not _TAP_COUNT.match(line):
            comments.append(line.lstrip()[2:])
        i += 1
    counts = {m[1]: m[2] for m in map(_TAP_COUNT.match, lines) if m}
    return TrimmedOutput(
        failures=failures, summary_line=_counts(counts), no_tests=counts.get("tests") == "0"
    )


def _tap_failure(
    names: list[str], fields: dict[str, str], comments: list[str]
) -> TestFailure | None:
    if fields.get("failureType") in _DERIVED:
        return None
    error = fields.get("error", "")
    kind = fields.get("name", "")
    message = f"{kind}: {error}" if kind and error and not error.startswith(kind) else error
    stack = fields.get("stack", "").split("\n")
    if "exitCode" in fields and comments:
        # The test file itself failed (it did not load, or exited): its stderr says why.
        message = clip_lines(
            c
            for c in comments
            if not c.lstrip().startswith("at ") and not c.startswith("Node.js v")
        )
        stack = [c.strip().removeprefix("at ") for c in comments if c.lstrip().startswith("at ")]
    frames = _repo_frames(stack)
    if not frames and fields.get("location") and in_repository(fields["location"]):
        frames = [f"test at {fields['location']}"]
    return TestFailure(
        name=" > ".join(names), message=clip_lines(message.split("\n")), trace=last_frames(frames),
        error="exitCode" in fields,
    )  # fmt: skip


def _yaml_fields(block: list[str], indent: int) -> dict[str, str]:
    """The flat keys of a TAP YAML block; `key: |-` values keep their lines."""
    fields: dict[str, str] = {}
    key = ""
    multiline = False
    for line in block:
        if line.startswith(" " * indent) and not line[indent:].startswith(" ") and ":" in line:
            key, _, value = line[indent:].partition(":")
            value = value.strip()
            multiline = value in ("|-", "|", ">-")
            fields[key] = "" if multiline else _unquote(value)
        elif multiline and key:
            piece = line[indent + 2 :] if line.startswith(" " * (indent + 2)) else line.strip()
            fields[key] = f"{fields[key]}\n{piece}" if fields[key] else piece
    return {k: v.rstrip() for k, v in fields.items()}


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return "" if value == "~" else value


def _trim_spec(text: str) -> TrimmedOutput:
    lines = text.split("\n")
    start = next(
        (i + 1 for i, line in enumerate(lines) if line.strip() == "✖ failing tests:"), None
    )
    section = lines[start:] if start is not None else lines
    failures: list[TestFailure] = []
    location = ""
    entry: tuple[str, int, list[str]] | None = None
    for line in [*section, "<end>"]:
        if line.startswith("test at "):
            location = line[len("test at ") :].strip()
            continue
        match = _SPEC_FAIL.match(line)
        ends = (
            match
            or line.startswith(("ℹ ", "✔ ", "▶ "))
            or (entry and line and not line.startswith(" "))
        )
        if ends and entry is not None:
            found = _spec_failure(*entry, lines)
            if found is not None:
                failures.append(found)
            entry = None
        if match:
            name = f"{match[2]} ({location})" if location else match[2]
            entry, location = (name, len(match[1]), []), ""
        elif entry is not None:
            entry[2].append(line)
    counts = {m[1]: m[2] for m in map(_SPEC_COUNT.match, lines) if m}
    return TrimmedOutput(
        failures=failures, summary_line=_counts(counts), no_tests=counts.get("tests") == "0"
    )


def _spec_failure(
    name: str, indent: int, body: list[str], all_lines: list[str]
) -> TestFailure | None:
    message: list[str] = []
    stack: list[str] = []
    for raw in body:
        line = raw[indent + 2 :] if raw.startswith(" " * (indent + 2)) else raw.strip()
        if line.lstrip().startswith("at "):
            stack.append(line.strip().removeprefix("at ").removesuffix(" {"))
        elif stack:
            break  # the error's own properties follow the frames
        else:
            message.append(line)
    text = clip_lines(message)
    if not text or _SUBTESTS_FAILED.match(text.strip()):
        return None  # a suite that failed because its tests did
    if text.strip() == "'test failed'":
        text, stack = _loose_error(all_lines) or (text, stack)
    return TestFailure(
        name=name, message=text, trace=last_frames(_repo_frames(stack)), error=not stack
    )


def _loose_error(lines: list[str]) -> tuple[str, list[str]] | None:
    """An error a test file printed while loading (outside any test): the error line,
    the source excerpt above it, and its frames."""
    for i, line in enumerate(lines):
        if _ERROR_LINE.match(line):
            above = [x for x in lines[max(i - 3, 0) : i] if x.strip()]
            frames = [
                x.strip().removeprefix("at ")
                for x in lines[i + 1 : i + 40]
                if x.lstrip().startswith("at ")
            ]
            return clip_lines([*above, line]), frames
    return None


def _repo_frames(stack: list[str]) -> list[str]:
    frames: list[str] = []
    for frame in stack:
        match = _LOCATION.search(frame.strip())
        if match and in_repository(match[1]):
            frames.append(frame.strip())
    return list(reversed(frames))  # JS stacks list the innermost frame first


def _counts(counts: dict[str, str]) -> str:
    return ", ".join(f"{k} {counts[k]}" for k in ("tests", "pass", "fail") if k in counts)
