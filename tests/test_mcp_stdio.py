"""`ingle mcp`'s stdout is the JSON-RPC channel: byte for byte, nothing else may reach it.

These tests talk raw newline-delimited JSON-RPC to the process (no SDK client, which
would tolerate junk lines), close stdin, and read everything it wrote until it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
LIST_TOOLS = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}


def run_server(cwd: Path, messages: list[dict]) -> subprocess.CompletedProcess[str]:
    """The server, fed `messages` then end-of-input; returns once it has exited."""
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "mcp"],
        input="".join(json.dumps(m) + "\n" for m in messages),
        check=False,  # the exit status is asserted by each test
        capture_output=True,
        text=True,
        cwd=cwd,
        env={
            "PATH": os.environ["PATH"],
            "INGLE_HOME": os.environ["INGLE_HOME"],
            "OLLAMA_HOST": "http://127.0.0.1:9",
        },
        timeout=60,
    )


def test_stdout_holds_only_protocol_messages_and_notices_go_to_stderr(tmp_path: Path) -> None:
    # An untrusted repository naming an endpoint makes config loading print a notice.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".ingle.toml").write_text(
        '[endpoints.local]\nurl = "http://10.9.9.9:11434"\n', encoding="utf-8"
    )
    done = run_server(tmp_path, [INITIALIZE, INITIALIZED, LIST_TOOLS])

    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in replies] == [1, 2]
    assert all(r["jsonrpc"] == "2.0" and "result" in r for r in replies)
    assert replies[0]["result"]["serverInfo"]["name"] == "ingle"
    assert len(replies[1]["result"]["tools"]) == 6
    assert "ignoring endpoints until you trust this repository" in done.stderr


def test_a_broken_config_stops_the_server_with_the_reason_on_stderr(tmp_path: Path) -> None:
    config_dir = Path(os.environ["INGLE_HOME"]) / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("default_num_ctx = 'lots'\n", encoding="utf-8")
    done = run_server(tmp_path, [INITIALIZE])

    assert done.returncode == 2
    assert done.stdout == ""
    assert "config.toml" in done.stderr and "default_num_ctx" in done.stderr
