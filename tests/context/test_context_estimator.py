"""The token estimator: calibrated per model from the prompt_eval_count a server reports.

The fake Ollama reports a scripted prompt_eval_count for what it received (here: a
tokenizer denser than the prior, 3 characters a token); real `ingle --batch --ask` runs
teach the estimator, the store keeps it, and a new engine starts from it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ingle.core.backends.types import ChatMessage, Usage
from ingle.core.frontends.cli import main
from ingle.core.config.loader import load_config
from ingle.core.context.estimator import (
    MAX_CHARS_PER_TOKEN,
    MIN_MARGIN,
    PRIOR_CHARS_PER_TOKEN,
    TokenEstimator,
    TokenEstimators,
    framing_tokens,
    prior,
)
from ingle.core.agent.engine import Engine
from ingle.memory.store import Store
from ingle.memory.token_calibration import TokenCalibration, load_calibration
from tests.fakes.script import Reply
from tests.git_env import make_repo

MODEL = "qwen3:8b"  # the Python persona's model
TRUE_CHARS_PER_TOKEN = 3.0


def scripted_count(body: dict) -> int:
    """What a tokenizer packing 3 characters a token would count, with the template's framing."""
    messages = body["messages"]
    chars = sum(len(m["content"]) for m in messages)
    return round(chars / TRUE_CHARS_PER_TOKEN) + framing_tokens(len(messages))


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"app.py": "def main():\n    return 1\n" * 40})


def ask(repo: Path, text: str) -> int:
    return main(["--batch", "--repo", str(repo), "--ask", "--json", "-m", text, "app.py"])


def stored(model: str = MODEL) -> TokenCalibration | None:
    with Store(load_config().dirs.database) as store:
        return load_calibration(store, model)


def test_calls_calibrate_the_model_and_the_margin_narrows(repo, fake_ollama, capsys) -> None:
    fake_ollama.respond_with(
        lambda request: Reply(text="ok", prompt_tokens=scripted_count(request.json))
    )
    assert stored() is None
    ratios, margins = [], []
    for n in range(5):
        assert ask(repo, f"what does main return? ({n})") == 0
        calibration = stored()
        ratios.append(calibration.chars_per_token)
        margins.append(TokenEstimator(calibration).margin)
    assert stored().samples == 5
    # The first call replaces the prior (3.5) with what the server counted; later ones agree.
    assert all(abs(r - TRUE_CHARS_PER_TOKEN) < 0.05 for r in ratios)
    # The margin follows how wrong the estimate has been: with every count agreeing it
    # falls towards its floor.
    assert margins == sorted(margins, reverse=True) and margins[0] > 2 * margins[-1]
    assert margins[-1] < MIN_MARGIN * 1.2
    # Each call's prompt was planned with the estimate in force: the plan's total for the
    # last call matches what the server counted, within the margin.
    seen = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    planned = [sum(e["sections"].values()) for e in seen if e["type"] == "context_prepared"]
    counted = [e["usage"]["prompt_tokens"] for e in seen if e["type"] == "model_finished"]
    assert abs(planned[-1] - counted[-1]) <= counted[-1] * MIN_MARGIN


def test_a_new_engine_starts_from_the_stored_calibration(repo, fake_ollama, capsys) -> None:
    fake_ollama.respond_with(
        lambda request: Reply(text="ok", prompt_tokens=scripted_count(request.json))
    )
    assert ask(repo, "what does main return?") == 0

    async def fresh_engine() -> tuple[TokenEstimator, TokenEstimator]:
        engine = Engine.open(repo)
        try:
            return (
                engine.context.estimators.for_model(MODEL),
                engine.context.estimators.for_model("qwen3:14b"),
            )
        finally:
            await engine.aclose()

    used, untouched = asyncio.run(fresh_engine())
    assert used.chars_per_token == pytest.approx(stored().chars_per_token) and used.samples == 1
    assert untouched.chars_per_token == PRIOR_CHARS_PER_TOKEN and untouched.samples == 0


def test_a_truncated_prompt_teaches_nothing(repo, fake_ollama, capsys) -> None:
    # The server read far less than was sent (Ollama's silent truncation): the count is not
    # the prompt's size, so the calibration must not learn from it.
    fake_ollama.script(Reply(text="ok", prompt_tokens=100))
    assert ask(repo, "what does main return?") == 0
    seen = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    usage = next(e["usage"] for e in seen if e["type"] == "model_finished")
    assert usage["truncated"]
    assert stored() is None


def messages_of(chars: int) -> list[ChatMessage]:
    return [
        ChatMessage(role="system", content="s" * (chars - 10)),
        ChatMessage(role="user", content="u" * 10),
    ]


def test_the_ratio_follows_a_shift_and_stays_bounded() -> None:
    estimators = TokenEstimators(None)
    for _ in range(3):
        assert estimators.observe("m", messages_of(8000), Usage(model="m", prompt_tokens=2000 + 11))
    assert estimators.for_model("m").chars_per_token == pytest.approx(4.0)
    # A model used for denser text later: the newest calls weigh a fixed share.
    for _ in range(12):
        estimators.observe("m", messages_of(8000), Usage(model="m", prompt_tokens=3200 + 11))
    assert 2.5 < estimators.for_model("m").chars_per_token < 2.6
    # Implausible counts (a prompt cache reporting only new tokens) and tiny prompts are ignored.
    before = estimators.for_model("m").calibration
    assert not estimators.observe("m", messages_of(8000), Usage(model="m", prompt_tokens=300))
    assert not estimators.observe("m", messages_of(100), Usage(model="m", prompt_tokens=40))
    assert not estimators.observe("m", messages_of(8000), Usage(model="m", prompt_tokens=0))
    assert estimators.for_model("m").calibration == before


def test_the_estimate_never_leaves_its_bounds() -> None:
    estimator = TokenEstimator(prior("m"))
    for _ in range(30):  # 11 characters a token: plausible, but past the bound
        estimator.observe(11_000, 2, 1000 + framing_tokens(2))
    assert estimator.chars_per_token == MAX_CHARS_PER_TOKEN
    assert estimator.messages_tokens(messages_of(800)) == 100 + framing_tokens(2)
