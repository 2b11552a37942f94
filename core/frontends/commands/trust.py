"""`ingle trust`: let this repository's .ingle.toml set endpoints, URLs, keys and commands."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--revoke", action="store_true", help="withdraw trust instead")


def run(args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.common import CommandFailed, repo_from_args
    from ingle.core.config.loader import REPO_CONFIG_NAME, read_toml, sensitive_paths
    from ingle.core.config.paths import IngleDirs
    from ingle.core.config.trust import trust, untrust

    repo = repo_from_args(args)
    if repo is None:
        raise CommandFailed("not inside a repository; run this where the .ingle.toml is, or pass --repo", 2)
    dirs = IngleDirs.from_env()
    if args.revoke:
        print("trust withdrawn" if untrust(dirs, repo) else "this repository was not trusted")
        return 0
    repo_file = repo / REPO_CONFIG_NAME
    if not repo_file.is_file():
        raise CommandFailed(f"{repo_file} does not exist: nothing to trust", 1)
    data = read_toml(repo_file)  # refuse to trust a file that does not even parse
    named = [p for p in sensitive_paths() if _has(data, p)]
    digest = trust(dirs, repo_file)
    print(f"trusted {repo_file} (sha256 {digest[:12]})")
    if named:
        print(f"it may now set: {', '.join(named)}")
    print("any change to the file withdraws trust until you run `ingle trust` again")
    return 0


def _has(data: dict, dotted: str) -> bool:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
