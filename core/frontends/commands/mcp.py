"""`ingle mcp`: the MCP server over stdio, for Claude Code, Claude Desktop and other clients.

stdout carries the protocol and nothing else: notices and logs go to stderr (which
MCP clients keep in their server log) and, with --log-file, to a file as well.
Heavy imports (the SDK, backends, personas) happen in run(); Textual is never imported.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

LOG_FORMAT = "%(asctime)s ingle-mcp %(levelname)s %(name)s: %(message)s"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="how much to log to stderr (default: WARNING)",
    )
    parser.add_argument("--log-file", metavar="PATH", help="also append the log to this file")


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.log_level, Path(args.log_file).expanduser() if args.log_file else None)

    from ingle.core.frontends.commands.common import load_for
    from ingle.core.frontends.mcp.runtime import PersonaRunner
    from ingle.core.frontends.mcp.server import build_server
    from ingle.core.frontends.mcp.snippet_gates import SnippetGates
    from ingle.core.workbench import Workbench

    loaded = load_for(args)  # a broken config stops here, with the reason, on stderr
    workbench = Workbench.from_loaded(loaded)
    registry = workbench.personas
    log = logging.getLogger("ingle.core.frontends.mcp")
    for problem in registry.problems:
        log.warning("persona file skipped: %s", problem)
    try:
        runner = PersonaRunner(workbench, workspace=loaded.repo)
        server = build_server(runner, SnippetGates(loaded))
        log.info("serving %d personas over stdio; ledger in %s", len(registry.names()),
                 workbench.store.path)
        server.run()  # until the client closes stdin; its lifespan closes the workbench
    finally:
        workbench.store.close()
    return 0


def _configure_logging(level: str, log_file: Path | None) -> None:
    """Set before the SDK builds its server, so its own default handler is never added."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(level=level, format=LOG_FORMAT, handlers=handlers, force=True)
