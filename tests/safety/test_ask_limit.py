"""Case 10: `ingle ask` has the same overall per-rung time limit as a turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply


@pytest.fixture
def one_second_rungs(ingle_home: Path) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[cascade]\nrung_timeout_s = 1\n")


def test_a_stalled_server_ends_ask_at_the_rung_limit(one_second_rungs, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text="The answer is coming soon, I promise", stall_after=2))
    assert main(["ask", "what is up?"]) == 1
    out = capsys.readouterr()
    assert "The answer" in out.out  # what arrived is kept
    assert "no complete answer within 1s (cascade.rung_timeout_s)" in out.err
    assert "ingle doctor" in out.err


def test_a_server_dripping_tokens_ends_ask_at_the_rung_limit(one_second_rungs, fake_ollama, capsys) -> None:
    # Each token well inside any read timeout, the whole far beyond the rung's limit.
    fake_ollama.script(Reply(text="drip " * 400, delay=0.5))
    assert main(["ask", "what is up?"]) == 1
    assert "no complete answer within 1s" in capsys.readouterr().err
