"""`ingle models`: the installed models of every endpoint, and which are loaded."""

from __future__ import annotations

import argparse

from ingle.core.frontends.commands.common import json_flag, print_json


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", metavar="NAME", help="only this configured endpoint")
    json_flag(parser)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ingle.core.frontends.commands.common import CommandFailed, load_for
    from ingle.core.backends.inventory import gather_inventories, render

    settings = load_for(args).settings
    names = list(settings.endpoints)
    if args.endpoint:
        if args.endpoint not in settings.endpoints:
            known = ", ".join(names) or "none"
            raise CommandFailed(f"no endpoint named '{args.endpoint}' (configured: {known})", 2)
        names = [args.endpoint]
    if not names:
        raise CommandFailed("no endpoints are configured; add one under [endpoints] in your "
                            "config (see `ingle config`)", 2)
    inventories = asyncio.run(gather_inventories(settings, names))
    if args.json:
        print_json({"endpoints": [i.model_dump(mode="json") for i in inventories]})
    else:
        for inventory in inventories:
            print("\n".join(render(inventory)))
    if all(i.unreachable for i in inventories):
        return 3
    return 1 if any(i.error for i in inventories) else 0
