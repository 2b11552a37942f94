"""`ingle mcp`'s stdout is the JSON-RPC channel: byte for byte, nothing else may reach it.

These tests talk raw newline-delimited JSON-RPC to the process (no SDK client, which
would tolerate junk lines) and read everything it wrote until it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
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


def server_command(cwd: Path) -> dict:
    return {
        "args": [sys.executable, "-m", "ingle.core.frontends.cli", "mcp"],
        "cwd": cwd,
        "env": {
            "PATH": os.environ["PATH"],
            "INGLE_HOME": os.environ["INGLE_HOME"],
            "OLLAMA_HOST": "http://127.0.0.1:9",
        },
        "text": True,
    }


def converse(cwd: Path, messages: list[dict], answered: set[int]) -> tuple[list[str], str, int]:
    """Send `messages`, read stdout until every id in `answered` has its reply, then close
    stdin and collect the rest until the server exits: (stdout lines, stderr, exit status)."""
    stderr_path = cwd / "server-stderr.log"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            **server_command(cwd), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
        watchdog = threading.Timer(60, proc.kill)  # a hung server fails the test, never hangs it
        watchdog.start()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
            proc.stdin.flush()
            lines: list[str] = []
            waiting = set(answered)
            while waiting and (line := proc.stdout.readline()):
                lines.append(line.rstrip("\n"))
                waiting.discard(json.loads(line).get("id"))
            proc.stdin.close()  # end of input: the server shuts down
            lines += proc.stdout.read().splitlines()
            status = proc.wait()
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return lines, stderr_path.read_text(encoding="utf-8"), status


def test_stdout_holds_only_protocol_messages_and_notices_go_to_stderr(tmp_path: Path) -> None:
    # An untrusted repository naming an endpoint makes config loading print a notice.
    (tmp_path / ".git").mkdir()
    (tmp_path / ".ingle.toml").write_text(
        '[endpoints.local]\nurl = "http://10.9.9.9:11434"\n', encoding="utf-8"
    )
    lines, stderr, status = converse(tmp_path, [INITIALIZE, INITIALIZED, LIST_TOOLS], {1, 2})

    assert status == 0, stderr
    replies = [json.loads(line) for line in lines]
    assert [r["id"] for r in replies] == [1, 2]
    assert all(r["jsonrpc"] == "2.0" and "result" in r for r in replies)
    assert replies[0]["result"]["serverInfo"]["name"] == "ingle"
    assert len(replies[1]["result"]["tools"]) == 8  # six delegation tools and two for expenses
    assert "ignoring endpoints until you trust this repository" in stderr


def test_a_broken_config_stops_the_server_with_the_reason_on_stderr(tmp_path: Path) -> None:
    config_dir = Path(os.environ["INGLE_HOME"]) / "config"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("default_num_ctx = 'lots'\n", encoding="utf-8")
    done = subprocess.run(
        **server_command(tmp_path),
        input=json.dumps(INITIALIZE) + "\n",
        capture_output=True,
        check=False,  # the exit status is the point
        timeout=60,
    )

    assert done.returncode == 2
    assert done.stdout == ""
    assert "config.toml" in done.stderr and "default_num_ctx" in done.stderr
