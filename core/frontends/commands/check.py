"""`ingle check FILE...`: run the gates on files by hand and print what they found.

Exit status: 0 when every gate passed or did not apply, 1 when any failed, 4 when none
failed but one could not run (a tool is missing: the message says how to get it).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ingle.core.errors import EXIT_COULD_NOT_RUN, EXIT_OK


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="files to check")
    parser.add_argument(
        "--gates",
        metavar="LIST",
        help="only these gates, comma-separated (python,go,java,javascript,typescript,browser)",
    )
    parser.add_argument("--frames", type=int, metavar="N", help="animation frames per page")
    parser.add_argument("--screenshots", metavar="DIR", help="save a PNG of each page here")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ingle.core.frontends.commands.common import CommandFailed, load_for
    from ingle.validators.settings import GATE_NAMES, GateSettings

    loaded = load_for(args)
    settings: GateSettings = getattr(loaded.settings, "gates", None) or GateSettings()
    updates: dict[str, object] = {}
    if args.frames is not None:
        updates["frames"] = max(0, args.frames)
    if args.screenshots:
        updates["screenshot_dir"] = str(Path(args.screenshots).expanduser().resolve())
    settings = settings.model_copy(update=updates)
    only = None
    if args.gates:
        only = [g.strip() for g in args.gates.split(",") if g.strip()]
        unknown = [g for g in only if g not in GATE_NAMES]
        if unknown:
            raise CommandFailed(
                f"--gates: unknown gate {', '.join(unknown)}; choose from {', '.join(GATE_NAMES)}",
                2,
            )
    root, files = _root_and_files(args.files, loaded.repo)
    report = asyncio.run(_check(settings, loaded.dirs.tools, files, root, only))
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        _print_report(report, root)
    if report.any_failed:
        return 1
    return EXIT_COULD_NOT_RUN if report.any_could_not_run else EXIT_OK


async def _check(settings, tools: Path, files: list[str], root: Path, only: list[str] | None):
    from ingle.validators.registry import GateRunner

    async with GateRunner(settings, tools, progress=_progress) as runner:
        return await runner.report(files, root, only)


def _root_and_files(given: list[str], repo: Path | None) -> tuple[Path, list[str]]:
    """Files relative to the repository when all are inside it, else to their common
    directory. A missing file is a usage error naming it."""
    from ingle.core.frontends.commands.common import CommandFailed

    paths = []
    for name in given:
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise CommandFailed(f"{name}: no such file", 2)
        paths.append(path)
    if repo is not None and all(p.is_relative_to(repo.resolve()) for p in paths):
        root = repo.resolve()
    else:
        root = Path(os.path.commonpath([p.parent for p in paths]))
    return root, [p.relative_to(root).as_posix() for p in paths]


def _progress(line: str) -> None:
    print(f"ingle: {line}", file=sys.stderr, flush=True)


def _print_report(report, root: Path) -> None:
    from ingle.validators.results import GateStatus

    if not report.results:
        print("no gate applies to these files")
        return
    labels = {
        GateStatus.PASSED: "passed",
        GateStatus.FAILED: "FAILED",
        GateStatus.NOT_APPLICABLE: "n/a",
        GateStatus.COULD_NOT_RUN: "could not run",
    }
    for result in report.results:
        line = f"{result.gate:<11} {labels[result.status]:<14} {result.duration_s:6.2f}s"
        print(f"{line}  {result.detail}".rstrip())
        if result.install_hint:
            print(f"    -> {result.install_hint}")
        for d in result.diagnostics:
            print(f"  {d.one_line()}")
        for artifact in result.artifacts:
            print(f"  screenshot: {artifact}")
