"""Shared helpers: run `ingle expense ...` in-process and script the classifier's replies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        status = main(["expense", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return invoke


@pytest.fixture
def run_json(run: Run) -> Callable[..., Any]:
    def invoke(*args: str) -> Any:
        status, out, err = run(*args, "--json")
        assert status == 0, err
        return json.loads(out)

    return invoke


def verdicts(*items: tuple[str, float], merchant: str = "", amount: str = "") -> Reply:
    """The classifier's JSON answer: one (category, confidence) per line, in order."""
    return Reply(text=json.dumps({"items": [
        {"line": i, "category": c, "merchant": merchant, "amount": amount, "date": "", "confidence": p}
        for i, (c, p) in enumerate(items, start=1)
    ]}))
