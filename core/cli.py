"""The `ingle` command line.

Start-up must stay light: this module imports only the standard library, and each
subcommand's module is imported only when that subcommand runs (or for --help,
where command modules are themselves light at import time).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from core.version import __version__

# name -> (module under core.commands, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("ask", "one streamed answer from a model or persona"),
    "models": ("models", "installed models on every endpoint, and which are loaded"),
    "doctor": ("doctor", "check endpoints, models, GPU, keys and gate tools, with fixes"),
    "config": ("config_cmd", "print the effective settings and where each came from"),
    "trust": ("trust", "allow this repository's .ingle.toml to name endpoints, keys, commands"),
    "log": ("log", "show the exact requests sent to models and the replies received"),
    "undo": ("undo", "revert the last Ingle commit (only Ingle's own, unpushed, at HEAD)"),
    "diff": ("diff", "show what the last Ingle turn changed (--working: uncommitted changes)"),
}

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--repo", metavar="PATH", help="the repository to work in (default: the current one)"
    )
    return common


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="ingle",
        description=(
            "Ingle: a local-first AI coding workbench. Without a command it opens the "
            "full-screen app in the current repository."
        ),
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"ingle {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    parsers: dict[str, argparse.ArgumentParser] = {}
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        _command_module(module).configure(p)
        parsers[name] = p
    return parser, parsers


def _command_module(module: str):  # noqa: ANN202 - a module object
    return importlib.import_module(f"core.commands.{module}")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, _ = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    module = _command_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ingle log | head` closed the pipe: not an error
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - turned into a message below, or re-raised
        return _report(exc)


def _report(exc: Exception) -> int:
    """Known failures become one readable message and an exit status; bugs still raise."""
    from core.backends.errors import BackendError, ServerUnreachable
    from core.commands.common import CommandFailed

    if isinstance(exc, CommandFailed):
        print(f"ingle: {exc}", file=sys.stderr)
        return exc.status
    if isinstance(exc, BackendError):
        print(f"ingle: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE if isinstance(exc, ServerUnreachable) else EXIT_FAILED
    raise exc


if __name__ == "__main__":
    sys.exit(main())
