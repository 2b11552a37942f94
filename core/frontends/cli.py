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

from ingle.core.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, EXIT_UNREACHABLE, IngleError
from ingle.core.version import __version__

# name -> (module under core.commands, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("ask", "one streamed answer from a model or persona"),
    "models": ("models", "installed models on every endpoint, and which are loaded"),
    "doctor": ("doctor", "check endpoints, models, GPU, keys and gate tools, with fixes"),
    "config": ("config_cmd", "print the effective settings and where each came from"),
    "trust": ("trust", "allow this repository's .ingle.toml to name endpoints, keys, commands"),
    "log": ("log", "show the exact requests sent to models and the replies received"),
    "persona": ("persona", "list, show, create, check, export and register personas"),
    "undo": ("undo", "revert the last Ingle commit (only Ingle's own, unpushed, at HEAD)"),
    "diff": ("diff", "show what the last Ingle turn changed (--working: uncommitted changes)"),
    "map": ("map", "print the repo map a turn would send (ranked, cut to a token budget)"),
    "mcp": ("mcp", "run the MCP server over stdio: local personas and gates as tools"),
    "stats": ("stats", "tokens, time and money by model and rung; how much stayed local"),
    "check": ("check", "run the compile and browser gates on files and print the diagnostics"),
    "eval": ("eval", "run eval suites over personas x models; report, diff, re-score runs"),
    "memory": ("memory", "a persona's memories: ls, add, search, forget, restore, history, export"),
    "expense": ("expense", "record, import, categorise and export expenses (learns from your fixes)"),
    "jobs": ("jobs", "idle-time jobs: ls, add KIND ..., show, pause, resume, cancel, run"),
}

__all__ = ["COMMANDS", "EXIT_FAILED", "EXIT_OK", "EXIT_UNREACHABLE", "EXIT_USAGE", "main"]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--repo", metavar="PATH", help="the repository to work in (default: the current one)"
    )
    return common


def add_session_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the app and of headless mode (no subcommand)."""
    parser.add_argument("--new", action="store_true", help="start a fresh conversation")
    parser.add_argument("--persona", metavar="NAME", help="persona to use")
    parser.add_argument("--model", metavar="M", help="model of the first attempt (the cascade may climb)")
    group = parser.add_argument_group("headless mode: ingle --batch -m TEXT [FILE ...]")
    group.add_argument("--batch", action="store_true", help="run one turn without the app")
    group.add_argument("-m", "--message", metavar="TEXT", help="the instruction ('-' reads stdin)")
    group.add_argument("--ask", action="store_true", help="answer only; never edit files")
    group.add_argument(
        "--yes", action="store_true", help="apply edits, add files the model asks for, and commit"
    )
    group.add_argument("--no-commit", action="store_true", help="write the edits but do not commit")
    group.add_argument(
        "--test", action="store_true", help="run the repository's tests on the edits; failures go back to the model"
    )
    group.add_argument("--json", action="store_true", help="print one JSON event per line")
    group.add_argument(
        "--run-suggested", action="store_true", help="run shell commands the model suggests"
    )
    group.add_argument(
        "--escalate", choices=("never", "auto", "always"), default=None,
        help="Claude escalation: never, auto (key set and cap allows; the default), always",
    )
    group.add_argument(
        "--best-of", type=int, default=None, metavar="N",
        help="draw N first replies at spread temperatures; keep the first that passes gates "
        "and tests, else the judge's pick (2-8)",
    )
    group.add_argument(
        "--gates", default="auto", metavar="auto|off|LIST",
        help="gates to run: auto (all that apply), off, or a list such as python,go",
    )


def build_batch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ingle", parents=[_common()])
    add_session_arguments(parser)
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to add to the chat")
    return parser


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
    add_session_arguments(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    parsers: dict[str, argparse.ArgumentParser] = {}
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        _command_module(module).configure(p)
        parsers[name] = p
    return parser, parsers


def _command_module(module: str):  # noqa: ANN202 - a module object
    return importlib.import_module(f"ingle.core.frontends.commands.{module}")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # answered before any command module is imported
        print(f"ingle {__version__}")
        return EXIT_OK
    if "--batch" in args_list and "-h" not in args_list and "--help" not in args_list:
        args = build_batch_parser().parse_args(args_list)
        from ingle.core.frontends.batch import run_batch

        runner = lambda: run_batch(args)  # noqa: E731
    else:
        parser, _ = build_parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            runner = lambda: _run_app(args)  # noqa: E731
        else:
            module = _command_module(COMMANDS[args.command][0])
            runner = lambda: module.run(args)  # noqa: E731
    try:
        return int(runner() or 0)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `ingle log | head` closed the pipe: not an error
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - turned into a message below, or re-raised
        return _report(exc)


def _run_app(args: argparse.Namespace) -> int:
    """The full-screen app; Textual is imported only here."""
    from pathlib import Path

    from ingle.tui.app import run_app

    return run_app(Path(args.repo) if args.repo else None, new_session=args.new, persona=args.persona,
                   model=args.model)


def _report(exc: Exception) -> int:
    """Known failures become one readable message and an exit status; bugs still raise."""
    if isinstance(exc, IngleError):  # CommandFailed, BackendError, ConfigError, ...
        print(f"ingle: {exc}", file=sys.stderr)
        return exc.exit_status
    raise exc


if __name__ == "__main__":
    sys.exit(main())
