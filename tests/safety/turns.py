"""Shared pieces of the safety tests: a batch turn through the real CLI, its events."""

from __future__ import annotations

import json
from pathlib import Path

from ingle.core.frontends.cli import main

GREET = 'def greet():\n    return "hi"\n'


def edit(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def run_batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def chat_prompts(server: object) -> str:
    """Everything the fake server was sent in chat requests, as one text."""
    return "\n".join(
        json.dumps(r.json) for r in server.requests if r.path == "/api/chat"  # type: ignore[attr-defined]
    )
