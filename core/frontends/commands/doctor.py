"""`ingle doctor`: a checklist of what Ingle needs, each failed line with its fix."""

from __future__ import annotations

import argparse


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--install-tools", action="store_true",
                        help="first install ESLint and TypeScript for the gates (npm, into Ingle's cache)")


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ingle.core.frontends.commands.common import load_for
    from ingle.core.doctor.checks import DoctorContext, call_check, install_gate_tools, render, sections

    context = DoctorContext(loaded=load_for(args))
    if args.install_tools:
        install_gate_tools(context)
    failed_required = 0
    for title, check in sections():
        rows = asyncio.run(call_check(check, context))
        print(title)
        for row in rows:
            print("\n".join(render(row)))
            if row.required and row.status == "fail":
                failed_required += 1
    print()
    if failed_required:
        print(f"{failed_required} required check{'s' if failed_required > 1 else ''} failed; "
              "see the fixes above.")
        return 1
    print("Ingle is ready.")
    return 0
