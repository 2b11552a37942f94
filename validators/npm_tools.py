"""ESLint and TypeScript, installed once with npm into Ingle's own cache.

This is the only download Ingle makes on its own: when the JS or TS gate needs a tool
that neither the project nor PATH provides (and gates.auto_install_tools is on), or
ahead of time through `ingle doctor --install-tools`. A file lock keeps two Ingle
processes from running npm into the same directory at once.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import re
from pathlib import Path

from pydantic import BaseModel

from ingle.validators.discovery import (
    INSTALL_HINTS,
    FoundTool,
    find_node,
    find_npm,
    find_npm_tool,
    not_found,
)
from ingle.validators.gate import GateEnv
from ingle.validators.process import run_tool

# `globals` gives ESLint's no-undef the browser's and Node's global names.
_PACKAGES_MODERN_NODE = {"eslint": "^10.0.0", "globals": "^17.0.0", "typescript": "^7.0.0"}
# ESLint 10 needs Node >= 20.19; ESLint 9 still runs on Node 18.
_PACKAGES_NODE_18 = {**_PACKAGES_MODERN_NODE, "eslint": "^9.0.0"}


class ToolInstall(BaseModel):
    ok: bool
    detail: str
    versions: dict[str, str] = {}


def cached_tools_present(npm_prefix: Path) -> bool:
    modules = npm_prefix / "node_modules"
    return all(
        p.exists()
        for p in (modules / ".bin" / "eslint", modules / ".bin" / "tsc", modules / "globals")
    )


def installed_versions(npm_prefix: Path) -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in ("eslint", "globals", "typescript"):
        manifest = npm_prefix / "node_modules" / name / "package.json"
        try:
            versions[name] = str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
        except (OSError, ValueError, KeyError):
            continue
    return versions


async def install_tools(env: GateEnv, force: bool = False) -> ToolInstall:
    """Install ESLint, globals and TypeScript into env.npm_prefix (idempotent)."""
    prefix = env.npm_prefix
    if cached_tools_present(prefix) and not force:
        return ToolInstall(ok=True, detail="already installed", versions=installed_versions(prefix))
    node = find_node(env.settings)
    npm = find_npm(node)
    if node is None or npm is None:
        return ToolInstall(ok=False, detail=f"npm is not installed: {INSTALL_HINTS['node']}")
    prefix.mkdir(parents=True, exist_ok=True)
    lock_file = (prefix / ".install.lock").open("w")
    try:
        # Wait for another Ingle that is installing right now, then use its result.
        await asyncio.to_thread(fcntl.flock, lock_file.fileno(), fcntl.LOCK_EX)
        if cached_tools_present(prefix) and not force:
            return ToolInstall(ok=True, detail="installed", versions=installed_versions(prefix))
        return await _npm_install(env, node.argv, npm.argv, prefix)
    finally:
        lock_file.close()  # releases the lock


async def _npm_install(
    env: GateEnv, node_argv: list[str], npm_argv: list[str], prefix: Path
) -> ToolInstall:
    packages = _PACKAGES_MODERN_NODE
    version_run = await run_tool([*node_argv, "--version"], cwd=prefix, timeout_s=30)
    match = re.match(r"v(\d+)\.(\d+)", version_run.stdout.strip())
    if match and (int(match[1]), int(match[2])) < (20, 19):
        packages = _PACKAGES_NODE_18
    manifest = {"name": "ingle-gate-tools", "private": True, "dependencies": packages}
    (prefix / "package.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    env.say(f"installing {', '.join(packages)} with npm into {prefix} (once) ...")
    limit = env.settings.timeouts.tool_install
    run = await run_tool(
        [
            *npm_argv,
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
            str(prefix),
        ],
        cwd=prefix,
        timeout_s=limit,
        env={"npm_config_update_notifier": "false"},
    )
    if run.timed_out:
        return ToolInstall(ok=False, detail=f"npm install did not finish within {limit:g} s")
    if not run.ok or not cached_tools_present(prefix):
        tail = (run.start_error or run.stderr.strip() or run.stdout.strip())[-600:]
        return ToolInstall(
            ok=False,
            detail=f"npm install failed (is the npm registry reachable?): {tail}",
        )
    versions = installed_versions(prefix)
    env.say("installed " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    return ToolInstall(ok=True, detail="installed", versions=versions)


async def ensure_npm_tool(
    name: str, configured: str | None, env: GateEnv, root: Path | None, cache_only: bool = False
) -> tuple[FoundTool | None, str]:
    """eslint/tsc from settings, the project, PATH or Ingle's cache; installed into the
    cache on first need when gates.auto_install_tools allows. (tool, why not) back."""
    node = find_node(env.settings)
    if node is None:
        return None, f"node is not installed: {INSTALL_HINTS['node']}"
    tool = find_npm_tool(name, configured, root, env.npm_prefix, node, cache_only)
    if tool is not None:
        return tool, ""
    if configured and not cache_only:
        return None, not_found(name, configured)
    if not env.settings.auto_install_tools:
        return None, f"{name} not found and gates.auto_install_tools is off"
    installed = await install_tools(env)
    if not installed.ok:
        return None, installed.detail
    tool = find_npm_tool(name, None, None, env.npm_prefix, node)
    return tool, "" if tool else f"{name} missing from {env.npm_prefix} after npm install"
