"""`ingle doctor`: a checklist of what Ingle needs, each failed line with its fix."""

from __future__ import annotations

import argparse

from ingle.core.frontends.commands.common import json_flag, print_json


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--install-tools", action="store_true",
                        help="first install ESLint and TypeScript for the gates (npm, into Ingle's cache)")
    json_flag(parser)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ingle.core.frontends.commands.common import load_for
    from ingle.core.doctor.checks import DoctorContext, call_check, install_gate_tools, render, sections

    context = DoctorContext(loaded=load_for(args))
    if args.install_tools:
        install_gate_tools(context)
    results = [(title, asyncio.run(call_check(check, context))) for title, check in sections()]
    failed_required = sum(
        1 for _, rows in results for row in rows if row.required and row.status == "fail"
    )
    if args.json:
        print_json({
            "ready": not failed_required,
            "failed_required": failed_required,
            "sections": [{"title": title, "checks": [row.model_dump(mode="json") for row in rows]}
                         for title, rows in results],
        })
        return 1 if failed_required else 0
    for title, rows in results:
        print(title)
        for row in rows:
            print("\n".join(render(row)))
    print()
    if failed_required:
        print(f"{failed_required} required check{'s' if failed_required > 1 else ''} failed; "
              "see the fixes above.")
        return 1
    print("Ingle is ready.")
    return 0
