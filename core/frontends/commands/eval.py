"""`ingle eval`: run suites over personas x models, report, diff, re-score, list runs.

Thin: parse, call EvalService, print. Progress goes to stderr (a bar on a terminal,
plain lines otherwise); results go to stdout as a table, JSON, NDJSON or Markdown.
Exit status 1 when a suite threshold fails (run) or a case regressed (diff).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

from ingle.core.frontends.commands.common import run_on_workbench

if TYPE_CHECKING:
    from ingle.core.evals.events import EvalEvent
    from ingle.core.evals.models import DiffReport, RunInfo, RunReport
    from ingle.core.evals.service import EvalService

FORMATS = ("table", "json", "ndjson", "md")
SHOWN = ("mean_score", "latency_p50_s", "latency_p95_s",
         "tok_s", "hidden_thinking_share", "cost_usd")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="eval_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="run a suite over every persona x model pair")
    run.add_argument("suite", help="a suite name (`ingle eval ls --suites`) or a .toml path")
    run.add_argument("--personas", metavar="P1,P2", help="personas, optionally PERSONA@VERSION")
    run.add_argument("--models", metavar="M1,M2", help="models (default: each persona's own)")
    run.add_argument("--samples", type=int, metavar="N", help="samples per case and subject")
    run.add_argument("--limit", type=int, metavar="N", help="only the first N cases")
    run.add_argument("--format", choices=FORMATS, default="table", help="output format")
    run.add_argument("--json", action="store_true", help="same as --format json")
    run.add_argument("--resume", metavar="RUN", help="finish an interrupted run instead")

    report = sub.add_parser("report", help="a run's metrics per subject and its case grid")
    report.add_argument("run", help="a run id (or its first characters)")
    report.add_argument("--format", choices=FORMATS, default="table")
    report.add_argument("--json", action="store_true", help="same as --format json")

    diff = sub.add_parser("diff", help="per-case improved/regressed/unchanged between two runs")
    diff.add_argument("base")
    diff.add_argument("cand")
    diff.add_argument("--json", action="store_true", help="print as JSON")

    rescore = sub.add_parser("rescore", help="score a run's stored samples again")
    rescore.add_argument("run")
    rescore.add_argument("--checks", metavar="C1,C2", help="only these checks (name or type)")
    rescore.add_argument("--json", action="store_true", help="print as JSON")

    capture = sub.add_parser("capture", help="turn a stored chat or batch turn into a case")
    capture.add_argument("turn", help='a turn id (or its first characters), or "last"')
    capture.add_argument("--suite", required=True, metavar="NAME",
                         help="the suite to append to (created in the config dir if missing)")
    capture.add_argument("--failing", choices=("undone", "rejected"),
                         help="record it as a failing case: the edit was undone or rejected")
    capture.add_argument("--json", action="store_true", help="print the case as JSON")

    imp = sub.add_parser(
        "import", help="turn a promptfoo config (YAML) into an Ingle suite",
        description="Convert a promptfoo config: prompts x tests become cases ({{var}} -> "
        "{var}), defaultTest the default checks, ollama:chat:MODEL providers the models. "
        "Asserts: equals, contains, icontains, regex, starts-with, is-json, not-contains, "
        "not-icontains, not-regex, llm-rubric (a rubric judge), latency, cost. javascript, "
        "python and other asserts, file:// tests and vars, and non-Ollama providers are named "
        "in one message and nothing is written. Needs PyYAML: pip install 'ingle[evals]'.")
    imp.add_argument("file", metavar="FILE.yaml", help="a promptfooconfig.yaml")
    imp.add_argument("--out", metavar="PATH",
                     help="where to write the suite (default: <config>/evals/NAME.toml)")
    imp.add_argument("--name", metavar="NAME", help="the suite's name (default: the file's)")
    imp.add_argument("--force", action="store_true", help="replace an existing suite file")
    imp.add_argument("--json", action="store_true", help="print the result as JSON")

    ls = sub.add_parser("ls", help="eval runs, newest first (--suites: the suites)")
    ls.add_argument("--suites", action="store_true", help="list the suites instead")
    ls.add_argument("--json", action="store_true", help="print as JSON")


def run(args: argparse.Namespace) -> int:
    return run_on_workbench(args, _dispatch)


async def _dispatch(args: argparse.Namespace, workbench: Any) -> int:
    from ingle.core.evals.service import EvalService

    service = EvalService(workbench)
    try:
        action = args.eval_command
        fmt = "json" if getattr(args, "json", False) else getattr(args, "format", "table")
        if action == "run":
            return await _run(args, service, fmt)
        if action == "report":
            report = service.report(args.run)
            _print_report(report, fmt)
            return 0 if report.passed_thresholds else 1
        if action == "diff":
            diff = service.diff(args.base, args.cand)
            _print_diff(diff, fmt)
            return 1 if diff.regressed else 0
        if action == "rescore":
            checks = _split(args.checks)
            report = await service.rescore(args.run, checks)
            _print_report(report, fmt)
            return 0 if report.passed_thresholds else 1
        if action == "capture":
            case, path = service.capture(args.turn, args.suite, args.failing)
            if fmt == "json":
                print(json.dumps({"case": case.model_dump(by_alias=True), "suite": str(path)},
                                 indent=2))
            else:
                print(f"added {case.id} ({', '.join(case.tags[1:])}) to {path}")
            return 0
        if action == "import":
            from pathlib import Path

            imported = service.import_promptfoo(
                Path(args.file).expanduser(), name=args.name, force=args.force,
                out=Path(args.out).expanduser() if args.out else None)
            if fmt == "json":
                print(json.dumps(imported.model_dump(exclude={"toml"}), indent=2))
                return 0
            models = f" over {', '.join(imported.models)}" if imported.models else ""
            print(f"imported {imported.cases} case(s){models} as suite {imported.name}: "
                  f"{imported.path}")
            for note in imported.notes:
                print(f"note: {note}")
            print(f"run it: ingle eval run {imported.name}")
            return 0
        if action == "ls":
            if args.suites:
                _print_suites(service.suites(), fmt)
            else:
                _print_runs(service.runs(), fmt)
            return 0
        raise AssertionError(f"unhandled eval action {action}")
    finally:
        await workbench.aclose()


async def _run(args: argparse.Namespace, service: EvalService, fmt: str) -> int:
    from ingle.core.errors import UsageError

    for flag in ("samples", "limit"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise UsageError(f"--{flag} must be at least 1 (got {value})", f"give --{flag} N")
    progress = _Progress(ndjson=fmt == "ndjson")
    if args.resume:
        report = await service.resume(args.resume, on_event=progress)
    else:
        suite = service.load_suite(args.suite)
        subjects = service.subjects(suite, _split(args.personas), _split(args.models))
        report = await service.run(suite, subjects, samples=args.samples, limit=args.limit,
                                   on_event=progress)
    _print_report(report, fmt)
    for subject in report.subjects:
        for failed in subject.failed_thresholds:
            print(f"threshold failed: {subject.subject}: {failed}", file=sys.stderr)
    return 0 if report.passed_thresholds else 1


def configure_refine(sub: Any) -> argparse.ArgumentParser:
    """`ingle persona refine` (the subcommand lives with the persona commands)."""
    refine = sub.add_parser("refine", help="improve a persona with an eval suite: propose "
                            "rewrites, keep one only if it scores better on the holdout split")
    refine.add_argument("name", metavar="PERSONA")
    refine.add_argument("--suite", required=True, help="the eval suite to refine against")
    refine.add_argument("--budget", type=float, default=1.0, metavar="USD",
                        help="stop once this much is spent (Claude calls; local ones are free)")
    refine.add_argument("--rounds", type=int, default=1, metavar="N", help="rounds at most")
    refine.add_argument("--candidates", type=int, default=3, metavar="N",
                        help="candidates per round, 3 to 5")
    refine.add_argument("--proposer", default="my-architect", metavar="PERSONA",
                        help="who writes the candidates: a persona or 'claude'")
    refine.add_argument("--no-few-shot", action="store_true",
                        help="no few-shot candidates bootstrapped from passing outputs and the "
                        "correction log")
    return refine


def run_refine(workbench: Any, args: argparse.Namespace) -> int:
    from ingle.core.errors import UsageError
    from ingle.core.evals.refine import refine
    from ingle.core.evals.service import EvalService

    if args.rounds < 1 or args.budget < 0:
        raise UsageError("--rounds must be at least 1 and --budget not negative",
                         "e.g. --rounds 2 --budget 0.5")
    service = EvalService(workbench)
    suite = service.load_suite(args.suite)
    service.subjects(suite, [args.name])  # an unknown persona fails here, before any call

    async def go() -> Any:
        try:
            return await refine(service, args.name, suite, rounds=args.rounds,
                                budget_usd=args.budget, proposer=args.proposer,
                                candidates=args.candidates, on_event=_RefineProgress(),
                                few_shot=not args.no_few_shot)
        finally:  # the clients belong to this event loop: close them in it
            await workbench.pool.aclose()

    outcome = asyncio.run(go())
    if getattr(args, "json", False):
        print(json.dumps(outcome.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return 0 if outcome.accepted else 1
    for c in outcome.candidates:
        mark = "accepted" if c.accepted else c.verdict
        print(f"round {c.round} candidate {c.idx}: {c.score:.3f} (current {c.baseline:.3f}) "
              f"{mark}: {c.rationale}")
    if outcome.accepted:
        print(f"saved {outcome.persona}@{outcome.saved_version} "
              f"(`ingle persona diff {outcome.persona} {outcome.saved_version - 1} "
              f"{outcome.saved_version}` shows the change); cost ${outcome.cost_usd:.4f}")
        return 0
    print(f"kept {outcome.persona} as it is: {outcome.stopped}; cost ${outcome.cost_usd:.4f}")
    return 1


class _RefineProgress:
    def __init__(self) -> None:
        self.samples = _Progress(ndjson=False)

    def __call__(self, event: EvalEvent) -> None:
        from ingle.core.evals.refine import RefineProgress

        if isinstance(event, RefineProgress):
            print(f"refine: {event.message}", file=sys.stderr, flush=True)
        else:
            self.samples(event)


def _split(text: str | None) -> list[str] | None:
    return [p.strip() for p in text.split(",") if p.strip()] if text else None


class _Progress:
    """Progress on stderr: a redrawn bar on a terminal, one line per sample otherwise;
    with --format ndjson, each finished sample is also a JSON line on stdout."""

    def __init__(self, ndjson: bool) -> None:
        self.tty = sys.stderr.isatty()
        self.ndjson = ndjson

    def __call__(self, event: EvalEvent) -> None:
        from ingle.core.evals.events import RunFinished, RunStarted, SampleDone

        if self.ndjson:
            print(json.dumps({"event": type(event).__name__, **event.model_dump()}), flush=True)
        if isinstance(event, RunStarted):
            resumed = f", {event.stored} already stored" if event.stored else ""
            print(f"run {event.run_id}: suite {event.suite}, {event.planned} samples to go"
                  f"{resumed}, subjects: {', '.join(event.subjects)}", file=sys.stderr)
        elif isinstance(event, SampleDone):
            verdict = "error" if event.error else "pass" if event.passed else "fail"
            cached = " (cached)" if event.cached else ""
            if self.tty:
                width = 30
                filled = int(width * event.done / max(event.planned, 1))
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] "
                                 f"{event.done}/{event.planned} {event.case_id[:30]}\x1b[K")
                sys.stderr.flush()
            else:
                print(f"[{event.done}/{event.planned}] {event.case_id} {event.subject} "
                      f"#{event.sample_index}: {verdict}{cached}", file=sys.stderr, flush=True)
        elif isinstance(event, RunFinished):
            if self.tty:
                sys.stderr.write("\n")
            print(f"run {event.run_id} {event.status}: {event.done}/{event.planned} samples",
                  file=sys.stderr)


def report_json(report: RunReport) -> dict[str, Any]:
    return {
        "run": report.run.model_dump(mode="json"),
        "subjects": [{"subject": s.subject, **s.metrics, "failed_thresholds": s.failed_thresholds,
                      "first_error": s.first_error}
                     for s in report.subjects],
        "cells": [c.model_dump() for c in report.cells],
        "passed_thresholds": report.passed_thresholds,
    }


def _fmt(value: float | None, name: str) -> str:
    if value is None:
        return "-"
    if name.startswith("latency"):
        return f"{value:.2f}s"
    if name == "cost_usd":
        return f"${value:.4f}"
    if name == "tok_s":
        return f"{value:.1f}"
    return f"{value:.3f}"


def _print_report(report: RunReport, fmt: str) -> None:
    if fmt in ("json", "ndjson"):
        print(json.dumps(report_json(report), ensure_ascii=False, indent=None if fmt == "ndjson"
                         else 2))
        return
    present = {n for s in report.subjects for n in s.metrics}
    ks = sorted((n for n in present if n.startswith("pass@")), key=lambda n: int(n[5:]))
    extra = sorted(n for n in present
                   if n.startswith(("pass^", "pass_within", "best_of", "majority")))
    names = ks + extra + [n for n in SHOWN if n in present and not n.startswith("pass@")]
    header = ["subject", *names]
    body = []
    for s in report.subjects:
        cells = []
        for n in names:
            text = _fmt(s.metrics.get(n), n)
            if n == "mean_score" and s.metrics.get("mean_score_se") is not None:
                text += f" ±{s.metrics['mean_score_se']:.3f}"
            cells.append(text)
        body.append([s.subject, *cells])
    run = report.run
    title = (f"run {run.id}: suite {run.suite}, {run.stored}/{run.planned} samples, "
             f"{run.status}")
    if fmt == "md":
        print(f"**{title}**\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in body:
            print("| " + " | ".join(row) + " |")
    else:
        print(title)
        _table(header, body)
    for s in report.subjects:
        errored = int(s.metrics.get("errors") or 0)
        if errored:  # a score of 0 that is really a model that never answered
            print(f"  {errored} sample(s) of {s.subject} got no reply: {s.first_error}")
        for failed in s.failed_thresholds:
            print(f"  threshold failed for {s.subject}: {failed}")


def _table(header: list[str], body: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    for row in [header, *body]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _print_diff(diff: DiffReport, as_json: str) -> None:
    if as_json == "json":
        print(json.dumps(diff.model_dump(), indent=2))
        return
    print(f"{diff.base} -> {diff.cand}: {diff.improved} improved, {diff.regressed} regressed, "
          f"{diff.unchanged} unchanged; flip rate {diff.flip_rate:.3f}")
    for c in diff.changes:
        if c.change != "unchanged":
            print(f"  {c.change:9} {c.case_id}  {c.subject}  {c.base:.2f} -> {c.cand:.2f}")


def _print_runs(runs: list[RunInfo], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([r.model_dump(mode="json") for r in runs], indent=2))
        return
    if not runs:
        print("no eval runs yet; start one with `ingle eval run SUITE`")
        return
    import datetime as dt

    body = [[r.id, r.suite, r.status, f"{r.stored}/{r.planned}",
             dt.datetime.fromtimestamp(r.started_at).strftime("%Y-%m-%d %H:%M"),
             "; ".join(s.label for s in r.subjects)] for r in runs]
    _table(["run", "suite", "status", "samples", "started", "subjects"], body)


def _print_suites(found: list[tuple[str, str]], fmt: str) -> None:
    if fmt == "json":
        print(json.dumps([{"name": n, "source": w} for n, w in found], indent=2))
        return
    _table(["suite", "source"], [[n, w] for n, w in found])
