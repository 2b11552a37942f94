"""`ingle diff`: what the last Ingle turn changed (or, with --working, what is uncommitted)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingle.core.vcs import IngleRepo


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--working",
        action="store_true",
        help="show uncommitted changes to tracked files instead of the last turn",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the diff (auto: when printing to a terminal)",
    )


def run(args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.common import CommandFailed
    from ingle.core.vcs import GitOperationError

    repo = open_for(args)
    color = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    try:
        text = repo.diff_working(color) if args.working else repo.last_ingle_diff(color)
    except GitOperationError as exc:
        raise CommandFailed(str(exc), 1) from exc
    if not text:
        print(
            "no uncommitted changes to tracked files"
            if args.working
            else f"no Ingle commit on {repo.branch} yet: nothing to show",
            file=sys.stderr,
        )
        return 0
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def open_for(args: argparse.Namespace) -> IngleRepo:
    """The git repository a command works in, or a CommandFailed saying what to do."""
    from pathlib import Path

    from ingle.core.frontends.commands.common import CommandFailed, repo_from_args
    from ingle.core.vcs import GitOperationError, open_repo

    where = repo_from_args(args) or Path.cwd()
    try:
        repo = open_repo(where)
    except GitOperationError as exc:
        raise CommandFailed(str(exc), 2) from exc
    if repo is None:
        raise CommandFailed(
            f"{where} is not inside a git repository; run this in one, or pass --repo PATH", 2
        )
    return repo
