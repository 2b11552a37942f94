"""`ingle jobs`: the idle-time job queue: ls, add KIND ..., show, pause, resume, cancel, run.

Thin: parse, call JobsService / JobRunner, print. `add` prints only the new job's id;
`run` prints progress lines on stderr and a summary on stdout; every listing and report
takes --json (one JSON document on stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from ingle.core.frontends.commands.common import (
    json_flag, print_json, run_on_workbench,
)

KIND_HELP = {
    "eval": "an eval suite over personas x models (the options of `ingle eval run`)",
    "benchmark": "an eval suite over every installed model",
    "refine": "propose rewrites of a persona; keep one only if it scores better",
    "consolidate": "merge near-duplicate memories, archive unused ones",
    "schedule": "repeat a job: ingle jobs add schedule --every nightly --at 02:00 eval SUITE",
}


def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _add_kinds(add: argparse.ArgumentParser) -> None:
    kinds = add.add_subparsers(dest="kind", metavar="KIND", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--priority", type=int, default=0, metavar="N",
                        help="higher runs first (default 0)")
    json_flag(common)
    ev = kinds.add_parser("eval", help=KIND_HELP["eval"], parents=[common])
    ev.add_argument("suite", help="a suite name (`ingle eval ls --suites`) or a .toml path")
    ev.add_argument("--personas", metavar="P1,P2", help="personas, optionally PERSONA@VERSION")
    ev.add_argument("--models", metavar="M1,M2", help="models (default: each persona's own)")
    bench = kinds.add_parser("benchmark", help=KIND_HELP["benchmark"], parents=[common])
    bench.add_argument("suite", help="a suite name or a .toml path")
    bench.add_argument("--personas", metavar="P1,P2", help="personas to run it with")
    for kind in (ev, bench):
        kind.add_argument("--samples", type=int, metavar="N", help="samples per case and subject")
        kind.add_argument("--limit", type=int, metavar="N", help="only the first N cases")
    refine = kinds.add_parser("refine", help=KIND_HELP["refine"], parents=[common])
    refine.add_argument("persona", metavar="PERSONA")
    refine.add_argument("--suite", required=True, help="the eval suite to refine against")
    refine.add_argument("--candidates", type=int, default=3, metavar="N", help="3 to 5")
    refine.add_argument("--proposer", default="my-architect", metavar="PERSONA",
                        help="who writes the candidates: a persona or 'claude'")
    cons = kinds.add_parser("consolidate", help=KIND_HELP["consolidate"], parents=[common])
    cons.add_argument("--personas", metavar="P1,P2", help="default: every persona with memories")
    sched = kinds.add_parser("schedule", help=KIND_HELP["schedule"], parents=[common])
    sched.add_argument("--every", required=True, metavar="DURATION",
                       help="30m, 24h, 1d, nightly or daily")
    sched.add_argument("--at", metavar="HH:MM", help="the local time of the first run")
    sched.add_argument("job", nargs=argparse.REMAINDER, metavar="KIND ...",
                       help="the job to repeat, as after `ingle jobs add`")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    json_flag(sub.add_parser("ls", help="the jobs with their progress, and why they run or wait"))
    add = sub.add_parser("add", help="queue a job: " + ", ".join(KIND_HELP))
    _add_kinds(add)
    for action, text in (("show", "a job's progress, result and steps"),
                         ("pause", "claim no more steps of a job"),
                         ("resume", "let a paused job run again"),
                         ("cancel", "drop a job's remaining steps")):
        p = sub.add_parser(action, help=text)
        p.add_argument("id", type=int, metavar="ID", help="a job id (`ingle jobs ls`)")
        json_flag(p)
    run = sub.add_parser("run", help="work the queue headless while the user is away")
    run.add_argument("--once", action="store_true",
                     help="stop when nothing can run now (exit 0) instead of waiting")
    json_flag(run)


def params_of(args: argparse.Namespace) -> dict[str, Any]:
    """The job's parameters from its arguments (only those given)."""
    kind = args.kind
    if kind in ("eval", "benchmark"):
        for flag in ("samples", "limit"):
            value = getattr(args, flag)
            if value is not None and value < 1:
                from ingle.core.errors import UsageError

                raise UsageError(f"--{flag} must be at least 1 (got {value})", f"give --{flag} N")
        params = {"suite": args.suite, "personas": _split(args.personas),
                  "samples": args.samples, "limit": args.limit}
        if kind == "eval":
            params["models"] = _split(args.models)
    elif kind == "refine":
        params = {"persona": args.persona, "suite": args.suite, "candidates": args.candidates,
                  "proposer": args.proposer}
    elif kind == "consolidate":
        params = {"personas": _split(args.personas)}
    else:
        params = _schedule_params(args)
    return {k: v for k, v in params.items() if v is not None}


def _schedule_params(args: argparse.Namespace) -> dict[str, Any]:
    from ingle.core.errors import UsageError

    if not args.job:
        raise UsageError("a schedule needs the job it repeats",
                         "e.g. ingle jobs add schedule --every nightly eval SUITE")
    parser = argparse.ArgumentParser(prog="ingle jobs add schedule ... KIND", add_help=False)
    _add_kinds(parser)
    try:
        inner = parser.parse_args(args.job)
    except SystemExit:
        raise UsageError(f"cannot read the repeated job: {' '.join(args.job)}",
                         "write it as after `ingle jobs add`, e.g. eval SUITE --models M") from None
    if inner.kind == "schedule":
        raise UsageError("a schedule repeats a job, not another schedule",
                         "e.g. ingle jobs add schedule --every nightly eval SUITE")
    params = params_of(inner)
    if inner.kind == "eval":
        params["compare"] = True  # each run is compared with the one before (eval diff)
    return {"every": args.every, "at": args.at, "kind": inner.kind, "params": params}


def run(args: argparse.Namespace) -> int:
    return run_on_workbench(args, _dispatch)


async def _dispatch(args: argparse.Namespace, workbench: Any) -> int:
    from ingle.core.jobs.service import JobsService

    service = JobsService(workbench)
    try:
        action = args.jobs_command
        if action == "add":
            job_id = await service.add(args.kind, params_of(args), priority=args.priority)
            if args.json:
                return print_json({"id": job_id})
            print(job_id)
            return 0
        if action == "ls":
            return _ls(service, _gate(workbench).state(), args.json)
        if action == "run":
            return await _run(args, workbench)
        if action == "show":
            detail = service.show(args.id)
            if args.json:
                return print_json(detail.model_dump(mode="json"))
            _print_show(detail)
            return 0
        view = getattr(service, action)(args.id)  # pause, resume, cancel
        if args.json:
            return print_json(view.model_dump(mode="json"))
        print(f"job {view.id} {view.status}: {view.title}")
        return 0
    finally:
        await workbench.aclose()


def _gate(workbench: Any) -> Any:
    from ingle.core.jobs.idle import ActivityGate

    return ActivityGate.for_workbench(workbench)


def _ls(service: Any, state: Any, as_json: bool) -> int:
    jobs = service.list()
    runners = service.live_runners()
    if as_json:
        return print_json({"gate": state.model_dump(mode="json"), "runners": runners,
                           "jobs": [j.model_dump(mode="json") for j in jobs]})
    if runners or not state.idle:
        print(f"jobs {state.reason}")
    else:  # the gate is open, but nothing is working the queue
        rules = "; ".join(state.rules.values()) or state.reason
        print(f"jobs could run now ({rules}), but no runner is working the queue: "
              "`ingle jobs run`, or open the app")
    if not jobs:
        print("no jobs (`ingle jobs add eval SUITE` queues one)")
        return 0
    print(f"{'ID':>4}  {'KIND':<11} {'STATUS':<9} {'PROGRESS':>9}  {'ETA':>6}  TITLE")
    for job in jobs:
        print(f"{job.id:>4}  {job.kind:<11} {job.status:<9} {_progress(job):>9}  "
              f"{_eta(job):>6}  {job.title}")
        if job.kind == "schedule" and job.next_at:
            print(f"{'':>6}next: {time.strftime('%Y-%m-%d %H:%M', time.localtime(job.next_at))}")
        if job.error or job.last_error:
            print(f"{'':>6}error: {job.error or job.last_error}")
    return 0


def _progress(job: Any) -> str:
    if job.kind == "schedule":
        return "-"
    failed = f" {job.failed}!" if job.failed else ""
    return f"{job.done}/{job.total}{failed}"


def _eta(job: Any) -> str:
    if job.eta_s is None:
        return "-"
    seconds = int(job.eta_s)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _print_show(detail: Any) -> None:
    job = detail.job
    print(f"job {job.id}: {job.title}")
    print(f"  kind {job.kind}, {job.status}, priority {job.priority}, "
          f"{job.done}/{job.total} steps done, {job.failed} failed, ETA {_eta(job)}")
    if job.result:
        print("  result: " + ", ".join(f"{k} {v}" for k, v in job.result.items()))
        if job.result.get("run_id"):
            print(f"  (`ingle eval report {job.result['run_id']}` shows the run)")
    if job.error:
        print(f"  error: {job.error}")
    counts: dict[str, int] = {}
    for step in detail.steps:
        counts[step.status] = counts.get(step.status, 0) + 1
    print("  steps: " + ", ".join(f"{n} {s}" for s, n in counts.items()) if counts else
          "  no steps")
    for step in detail.steps:
        if step.error:
            print(f"  step {step.id} ({step.status}, attempt {step.attempts}): {step.error}")


async def _run(args: argparse.Namespace, workbench: Any) -> int:
    from ingle.core.jobs.events import JobEvent
    from ingle.core.jobs.executors import open_executor
    from ingle.core.jobs.runner import JobRunner

    executor = open_executor(workbench)
    runner = JobRunner(workbench, _gate(workbench), executor)
    try:
        async with workbench.bus.subscribe(JobEvent) as events:
            lines = _ProgressLines()
            printer = asyncio.create_task(lines.follow(events))
            try:
                summary = await runner.run(once=args.once)
            finally:
                printer.cancel()
                while not events.empty():
                    lines.show(events.get_nowait())
    finally:
        await executor.aclose()
    if args.json:
        return print_json(summary.model_dump(mode="json"))
    print(f"{summary.steps_done} steps done, {summary.steps_failed} failed, "
          f"{len(summary.jobs_finished)} jobs finished; stopped: {summary.stopped}")
    return 0


class _ProgressLines:
    """The runner's events as lines on standard error, a line repeated (a job's last
    progress is published again as it finishes) printed once."""

    def __init__(self) -> None:
        self.last = ""

    async def follow(self, events: asyncio.Queue) -> None:
        while True:
            self.show(await events.get())

    def show(self, event: Any) -> None:
        line = _event_line(event)
        if line and line != self.last:
            print(line, file=sys.stderr, flush=True)
            self.last = line


def _event_line(event: Any) -> str:
    from ingle.core.jobs import events as ev

    if isinstance(event, ev.JobProgress):
        line = f"job {event.job_id} {event.kind}: {event.done}/{event.total} steps"
        line += f" ({event.failed} failed)" if event.failed else ""
    elif isinstance(event, ev.StepFailed):
        again = "; will retry" if event.will_retry else ""
        line = f"job {event.job_id} step {event.step_id} failed: {event.error}{again}"
    elif isinstance(event, ev.JobFinished):
        line = f"job {event.job_id} {event.status}" + (f": {event.error}" if event.error else "")
    elif isinstance(event, (ev.RunnerPaused, ev.RunnerResumed, ev.RunnerIdle)):
        line = event.reason
    else:
        line = ""
    return line
