"""`ingle config`: the effective settings, each with its source; secrets redacted."""

from __future__ import annotations

import argparse
from typing import Any


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print as JSON (secrets redacted)")


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        out: list[tuple[str, Any]] = []
        for key, inner in value.items():
            out.extend(flatten(inner, f"{prefix}{key}."))
        return out
    return [(prefix.rstrip("."), value)]


def run(args: argparse.Namespace) -> int:
    import json

    from ingle.core.frontends.commands.common import load_for

    from ingle.core.config.redact import redact_data

    loaded = load_for(args)
    # mode="json" renders SecretStr as "**********": keys never reach the terminal; nor do
    # passwords in endpoint URLs.
    data = redact_data(loaded.settings.model_dump(mode="json"))
    if args.json:
        print(json.dumps({"settings": data, "sources": loaded.sources}, indent=2))
        return 0
    print(f"# config dir: {loaded.dirs.config}")
    print(f"# data dir:   {loaded.dirs.data}")
    print(f"# repository: {loaded.repo or '(none)'}")
    rows = flatten(data)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {json.dumps(value)}  [{loaded.source_of(key)}]")
    return 0
