"""What every subcommand needs: the repository, the loaded config, clean failures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ingle.core.errors import EXIT_FAILED, EXIT_USAGE, IngleError

if TYPE_CHECKING:  # the loader pulls in pydantic: imported only when a command runs
    from collections.abc import Awaitable, Callable

    from ingle.core.config.loader import LoadedConfig
    from ingle.core.workbench import Workbench


class CommandFailed(IngleError):
    """Raised by a command to stop with a message and an exit status."""

    def __init__(self, message: str, status: int = EXIT_FAILED, hint: str = "") -> None:
        super().__init__(message, hint)
        self.exit_status = status

    @property
    def status(self) -> int:
        return self.exit_status


def find_repo(start: Path) -> Path | None:
    """The enclosing git work tree, found without importing GitPython."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def repo_from_args(args: argparse.Namespace) -> Path | None:
    given = getattr(args, "repo", None)
    if given:
        path = Path(given).expanduser()
        if not path.is_dir():
            raise CommandFailed(f"--repo {given}: no such directory", EXIT_USAGE)
        return find_repo(path) or path.resolve()
    return find_repo(Path.cwd())


def load_for(args: argparse.Namespace, flags: dict | None = None) -> LoadedConfig:
    """Load config for a command; a broken config is exit status 2 with the reason."""
    from ingle.core.config.loader import ConfigError, load_config

    try:
        loaded = load_config(repo=repo_from_args(args), flags=flags)
    except ConfigError as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from exc
    for notice in loaded.notices:
        print(f"note: {notice}", file=sys.stderr)
    return loaded


def json_flag(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`--json` on a command that lists or reports: one JSON document on standard output."""
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    return parser


def print_json(data: object) -> int:
    import json

    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return 0


def run_on_workbench(
    args: argparse.Namespace, dispatch: Callable[[argparse.Namespace, Workbench], Awaitable[int]]
) -> int:
    """Open the workbench for `args` (a broken config or store: exit 2 with the reason) and
    run `dispatch` on it; an IngleError ends the command with its own exit status."""
    import asyncio

    from ingle.core.config.loader import ConfigError
    from ingle.core.workbench import Workbench
    from ingle.memory.store import StoreError

    try:
        workbench = Workbench.open(repo_from_args(args))
    except (ConfigError, StoreError) as exc:
        raise CommandFailed(str(exc), 2) from exc
    try:
        return asyncio.run(dispatch(args, workbench))
    except IngleError as exc:
        raise CommandFailed(str(exc), exc.exit_status) from exc
