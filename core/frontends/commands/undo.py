"""`ingle undo`: revert the last Ingle turn's commit, if it is HEAD, Ingle's and unpushed."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Revert the last Ingle commit: only when it is HEAD, was made by Ingle and is not "
        "pushed. Files the turn created are deleted; your own uncommitted work the turn had "
        "committed first comes back as uncommitted changes. Exit status 1 says why when refused."
    )
    from ingle.core.frontends.commands.common import json_flag

    json_flag(parser)


def run(args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.common import CommandFailed
    from ingle.core.frontends.commands.diff import open_for
    from ingle.core.vcs import GitOperationError

    repo = open_for(args)
    try:
        result = repo.undo_last()
        branch = repo.branch
    except GitOperationError as exc:
        raise CommandFailed(str(exc), 1) from exc
    if not result.done or result.undone is None:
        raise CommandFailed(f"nothing undone: {result.reason}", 1)
    if getattr(args, "json", False):
        from ingle.core.frontends.commands.common import print_json

        return print_json({**result.model_dump(mode="json"), "branch": branch})
    print(f"undid {result.undone.short_sha} {result.undone.subject}")
    for label, paths in (("restored", result.restored), ("removed", result.removed)):
        if paths:
            print(f"  {label}: {', '.join(paths)}")
    if result.unsaved:
        print(f"  your uncommitted changes are back, uncommitted: {', '.join(result.unsaved)}")
    where = f"{result.head} ({branch})" if result.head else f"no commits yet ({branch})"
    print(f"HEAD is now {where}")
    return 0
