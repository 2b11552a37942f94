"""`ingle stats`: where the tokens went, what stayed local, what Claude cost and saved."""

from __future__ import annotations

import argparse
import re
import time

_SPAN = re.compile(r"^(\d+)([hdw])$")
_UNIT_S = {"h": 3600, "d": 86400, "w": 7 * 86400}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", default="7d", metavar="SPAN", help="how far back: 24h, 7d, 4w (default 7d)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")


def parse_span(text: str) -> float:
    match = _SPAN.match(text.strip())
    if not match:
        from ingle.core.frontends.commands.common import CommandFailed

        raise CommandFailed(f"--since {text}: write a number and a unit, e.g. 24h, 7d or 4w", 2)
    return int(match[1]) * _UNIT_S[match[2]]


def run(args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.common import load_for
    from ingle.memory.ledger import ledger_stats
    from ingle.memory.store import Store

    loaded = load_for(args)
    since = time.time() - parse_span(args.since)
    claude = loaded.settings.claude
    price = claude.prices.get(claude.model)
    price_in, price_out = (price.input, price.output) if price else (0.0, 0.0)
    with Store(loaded.dirs.database) as store:
        stats = ledger_stats(store, since, price_in, price_out)
    if args.json:
        data = stats.model_dump()
        data.update(local_share=stats.local_share, thinking_overhead=stats.thinking_overhead)
        import json

        print(json.dumps(data, indent=2))
        return 0
    print(f"since {time.strftime('%Y-%m-%d %H:%M', time.localtime(since))} ({args.since})")
    if not stats.by_model:
        print("no model calls recorded yet")
        return 0
    header = f"{'model':<24} {'endpoint':<10} {'rung':>4} {'calls':>6} {'prompt':>9} {'output':>9} {'thinking':>9} {'secs':>8} {'cost $':>8}"
    print(header)
    print("-" * len(header))
    for row in stats.by_model:
        print(
            f"{row.model[:24]:<24} {row.endpoint[:10]:<10} {row.rung if row.rung is not None else '-':>4} "
            f"{row.calls:>6} {row.prompt_tokens:>9} {row.output_tokens:>9} {row.thinking_tokens:>9} "
            f"{row.seconds:>8.1f} {row.cost_usd:>8.4f}"
        )
    print()
    if stats.turns:
        print(
            f"agent turns: {stats.turns} ({stats.turns_ok} succeeded); finished locally: "
            f"{stats.turns_finished_locally} ({stats.local_share:.0%} of successes)"
        )
    print(f"hidden thinking: {stats.thinking_overhead:.0%} of locally generated tokens")
    print(f"Claude spend: ${stats.claude_cost_usd:.4f}")
    print(
        f"had every call gone to {claude.model}: ~${stats.all_claude_estimate_usd:.4f} "
        f"(saved ~${stats.all_claude_estimate_usd - stats.claude_cost_usd:.4f})"
    )
    return 0
