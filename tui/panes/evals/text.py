"""The Evals pane's text: a cell and a summary in the grid, a cell's details, and the
option lines typed into its prompts (a run, a refine)."""

from __future__ import annotations

import difflib
import json
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingle.core.evals.models import CaseCell
    from ingle.core.evals.models import SampleDetail


def parse_refine(line: str) -> dict[str, object]:
    from ingle.core.errors import UsageError

    words = shlex.split(line)
    options: dict[str, object] = {}
    kinds = {"rounds": int, "candidates": int, "budget": float, "proposer": str}
    rest = iter(words)
    for word in rest:
        name = word.removeprefix("--")
        if word == "--no-few-shot":
            options["few_shot"] = False
            continue
        if not word.startswith("--") or name not in kinds:
            raise UsageError(f"unknown option {word}", "use --rounds, --candidates, --budget, "
                             "--proposer, --no-few-shot")
        value = next(rest, "")
        try:
            options["budget_usd" if name == "budget" else name] = kinds[name](value)
        except ValueError as exc:
            raise UsageError(f"--{name} {value!r} is not a {kinds[name].__name__}",
                             f"e.g. --{name} 2") from exc
    return options


def parse_run(line: str) -> tuple[str, dict[str, list[str]]]:
    from ingle.core.errors import UsageError

    words = shlex.split(line)
    if not words:
        raise UsageError("name a suite", "e.g. smoke --models qwen3:8b")
    options: dict[str, list[str]] = {}
    rest = iter(words[1:])
    for word in rest:
        name = word.removeprefix("--")
        if not word.startswith("--") or name not in ("personas", "models", "samples", "limit"):
            raise UsageError(f"unknown option {word}", "use --personas, --models, --samples, "
                             "--limit")
        value = next(rest, "")
        options[name] = [v for v in value.split(",") if v]
    return words[0], options


def cell_text(cell: CaseCell | None) -> str:
    if cell is None:
        return ""
    if cell.errors == cell.total:
        return "error"
    mark = "✓" if cell.passed == cell.total else "✗" if cell.passed == 0 else "~"
    repeats = f" {cell.passed}/{cell.total}" if cell.total > 1 else ""
    return f"{mark}{repeats} {cell.score:.2f} {cell.latency_s:.1f}s"


def summary(metrics: dict[str, float | None]) -> str:
    rate = metrics.get("pass@1")
    p50 = metrics.get("latency_p50_s")
    cost = metrics.get("cost_usd") or 0.0
    return (f"{'-' if rate is None else f'{rate:.0%}'} p50 "
            f"{'-' if p50 is None else f'{p50:.1f}s'} ${cost:.2f}")


def details_text(mine: list[SampleDetail], theirs: list[SampleDetail], other: str) -> str:
    parts = []
    for detail in mine:
        s = detail.sample
        head = (f"sample #{s.sample_index}: {'pass' if detail.passed else 'fail'}, score "
                f"{detail.score:.2f}, {s.latency_s:.2f}s, {s.prompt_tokens} prompt + "
                f"{s.visible_tokens} answer + {s.thinking_tokens} thinking tokens, {s.tok_s:.1f} tok/s"
                + (", from the cache" if s.cached_from else ""))
        parts.append(head)
        if s.error:
            parts.append(f"error: {s.error}")
        for score in detail.scores:
            verdict = "skipped" if score.skipped else "pass" if score.passed else "fail"
            parts.append(f"  {score.check_name} [{verdict} {score.score:.2f}]: {score.reason}")
        if detail.label is not None:
            thumbs = {1: "+1", -1: "-1"}.get(detail.label.thumbs, "")
            parts.append(f"  your label: {thumbs} {detail.label.comment}".rstrip())
        parts += ["", "output:", s.output or "(empty)"]
        if s.thinking:
            parts += ["", "thinking:", s.thinking]
        match = next((t for t in theirs if t.sample.sample_index == s.sample_index), None)
        if match is not None:
            diff = difflib.unified_diff(match.sample.output.splitlines(), s.output.splitlines(),
                                        fromfile=other, tofile="this column", lineterm="")
            parts += ["", f"diff against {other}:", "\n".join(diff) or "(the same output)"]
        request = json.loads(s.request_json or "{}")
        parts += ["", "request as sent:", json.dumps(request, indent=2, ensure_ascii=False), ""]
    return "\n".join(parts) or "no samples in this cell"
