"""`ingle map`: print the repo map a turn would send, for users and for benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="files in the chat: left out of the map, which is ranked towards them",
    )
    parser.add_argument(
        "--tokens",
        type=int,
        metavar="N",
        help="token budget (default: an eighth of the code model's context, 256..4096)",
    )
    parser.add_argument(
        "-m",
        "--message",
        default="",
        metavar="TEXT",
        help="a user message: identifiers in it pull the map towards their definitions",
    )


def run(args: argparse.Namespace) -> int:
    import sys

    from ingle.core.frontends.commands.common import CommandFailed, load_for, repo_from_args
    from ingle.core.config.paths import IngleDirs
    from ingle.core.repomap.files import RepoFilesError
    from ingle.core.repomap.map import RepoMap, identifiers_in, map_budget_for
    from ingle.memory.store import Store, StoreError

    if args.tokens is not None and args.tokens < 1:
        raise CommandFailed(f"--tokens {args.tokens}: give a positive number of tokens", 2)
    repo = repo_from_args(args) or Path.cwd().resolve()
    chat = {_in_repo(repo, name) for name in args.files}
    budget = args.tokens
    if budget is None:
        settings = load_for(args).settings
        budget = map_budget_for(settings.num_ctx_for(settings.roles.get("code", "")))
    try:
        store = Store(IngleDirs.from_env().database)
    except StoreError as exc:
        raise CommandFailed(str(exc), 1) from exc
    with store:
        try:
            result = RepoMap(repo, store).build(chat, identifiers_in(args.message), budget)
        except RepoFilesError as exc:
            raise CommandFailed(str(exc), 1) from exc
    sys.stdout.write(result.text)
    for error in result.parse_errors:
        print(f"note: could not read {error}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"map: {result.tokens} of {budget} tokens, {len(result.files_ranked)} files shown; "
        f"{result.files_total} source files, {result.files_parsed} parsed, "
        f"{result.files_cached} cached; {result.timings.total_s * 1000:.0f} ms",
        file=sys.stderr,
    )
    return 0


def _in_repo(repo: Path, name: str) -> str:
    """FILE as given -> repo-relative. Relative names are tried against the current
    directory first (what a shell completes), then against the repository (--repo)."""
    from ingle.core.frontends.commands.common import CommandFailed

    given = Path(name).expanduser()
    bases = [Path.cwd()] if given.is_absolute() else [Path.cwd(), repo]
    for base in bases:
        absolute = (base / given).resolve()
        if absolute.is_relative_to(repo) and absolute.is_file():
            return absolute.relative_to(repo).as_posix()
    absolute = (bases[0] / given).resolve()
    if not absolute.is_relative_to(repo):
        raise CommandFailed(f"{name}: not inside the repository {repo}", 2)
    raise CommandFailed(f"{name}: no such file in {repo}", 2)
