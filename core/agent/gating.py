"""The gates as a turn runs them, judging the change rather than the repository.

Each gate runs on a candidate view of the changed files. When it fails, the same gate
runs on the original files too (cached per file hash, so a turn's repairs and later
turns do not pay for it again), and only diagnostics the change introduced block:
matched by file, rule and message, with the line mapped through the diff. The rest are
reported as "already there".
"""

from __future__ import annotations

import difflib
import hashlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.validators.results import Diagnostic, GateResult, GateStatus, Severity, verdict

if TYPE_CHECKING:
    from ingle.validators.registry import GateRunner

GateSelection = str | Sequence[str]  # "auto", "off", or gate names


class JudgedGate(BaseModel):
    """A gate's result on the candidate, with its status decided by what the change
    introduced; `already_there` holds the errors the original files had too."""

    result: GateResult
    already_there: list[Diagnostic] = Field(default_factory=list)


class GateBaselines:
    """Gate results on original files, by gate and the hashes of the files it read.
    One lives as long as the coding session."""

    def __init__(self) -> None:
        self._results: dict[tuple[str, tuple[tuple[str, str], ...]], list[Diagnostic]] = {}

    async def errors(
        self, runner: GateRunner, root: Path, gate: str, originals: dict[str, str]
    ) -> list[Diagnostic]:
        key = (gate, tuple(sorted((p, _digest(t)) for p, t in originals.items())))
        if key not in self._results:
            found: list[Diagnostic] = []
            if originals:
                async for result in runner.run(sorted(originals), root, only=[gate]):
                    if result.status == GateStatus.FAILED:
                        found += result.errors
            self._results[key] = found
        return self._results[key]


def gate_check_for(
    runner: GateRunner, root: Path, selection: GateSelection, baselines: GateBaselines
) -> Callable[[dict[str, str]], AsyncIterator[JudgedGate]] | None:
    """The turn's gate step for "auto" (every gate that applies), "off", or named gates."""
    if selection == "off":
        return None
    only: Sequence[str] | None = None if selection == "auto" else list(selection)

    async def check(changed: dict[str, str]) -> AsyncIterator[JudgedGate]:
        with candidate_tree(root, changed) as view:
            async for result in runner.run(sorted(changed), view, only=only):
                if result.status != GateStatus.FAILED:
                    yield JudgedGate(result=result)
                    continue
                originals = _originals(root, result.files or sorted(changed))
                before = await baselines.errors(runner, root, result.gate, originals)
                yield judge(result, before, originals, changed)

    return check


def judge(
    result: GateResult, before: list[Diagnostic], originals: dict[str, str], changed: dict[str, str]
) -> JudgedGate:
    """Split a failed result's errors into those the change introduced and those the
    original files had (same file, rule and message, at the line the diff maps to)."""
    maps = {path: _line_map(originals.get(path, ""), text) for path, text in changed.items()
            if path in originals}
    remaining = Counter(_key(d, d.line) for d in before)
    introduced: list[Diagnostic] = []
    old: list[Diagnostic] = []
    for diagnostic in result.diagnostics:
        if diagnostic.severity is not Severity.ERROR:
            introduced.append(diagnostic)  # warnings never block; shown as they are
            continue
        mapping = maps.get(diagnostic.file)
        line = diagnostic.line if mapping is None else mapping.get(diagnostic.line, -1)
        if diagnostic.line == 0:
            line = 0
        key = _key(diagnostic, line)
        if remaining[key] > 0:
            remaining[key] -= 1
            old.append(diagnostic)
        else:
            introduced.append(diagnostic)
    if not old:
        return JudgedGate(result=result)
    status = verdict(introduced)
    note = f"{len(old)} already there before the change"
    detail = f"{result.detail}; {note}" if result.detail else note
    judged = result.model_copy(update={"diagnostics": introduced, "status": status, "detail": detail})
    return JudgedGate(result=judged, already_there=old)


def _key(d: Diagnostic, line: int) -> tuple[str, str, str, int]:
    return (d.file, d.rule or "", d.message, line)


def _line_map(before: str, after: str) -> dict[int, int]:
    """1-based candidate line -> original line, for lines the change left alone."""
    mapping: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(), autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            mapping[block.b + k + 1] = block.a + k + 1
    return mapping


def _originals(root: Path, paths: Sequence[str]) -> dict[str, str]:
    """The files as they are on disk (new files have no original)."""
    found: dict[str, str] = {}
    for rel in paths:
        try:
            found[rel] = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
