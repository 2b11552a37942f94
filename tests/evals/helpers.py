"""Shared pieces of the evaluator's tests: suites written to disk, a workbench, replies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ingle.core.workbench import Workbench
from tests.fakes.script import RecordedRequest, Reply


def write_suite(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def last_user(request: RecordedRequest) -> str:
    return [m for m in request.json["messages"] if m["role"] == "user"][-1]["content"]


def by_prompt(answers: dict[str, str], default: str = "I do not know") -> Any:
    """A responder answering each prompt (matched by a substring of the last user text)."""
    def respond(request: RecordedRequest) -> Reply:
        text = last_user(request)
        for needle, answer in answers.items():
            if needle in text:
                return Reply(text=answer, output_tokens=10)
        return Reply(text=default, output_tokens=10)
    return respond


def open_workbench() -> Workbench:
    return Workbench.open(None)


def ingle(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess (environment inherited: INGLE_HOME, OLLAMA_HOST)."""
    return subprocess.run([sys.executable, "-m", "ingle.core.frontends.cli", *args],
                          capture_output=True, text=True, cwd=cwd, check=check, timeout=600)


def chat_bodies(server: Any) -> list[dict]:
    return [r.json for r in server.requests_to("/api/chat")]


def dumps(value: Any) -> str:
    return json.dumps(value)
