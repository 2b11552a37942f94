"""The budget planner on a fixed repository at 4K, 8K and 32K windows.

The parts are real (the my-coder persona, the repo map of the repository, its files) and
the estimator is the prior, so the figures are stable. Every plan's sections sum to its
estimate, and a plan that fits stays within the prompt budget.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingle.core.backends.types import ChatMessage
from ingle.core.config.settings import Settings
from ingle.core.context.breakdown import overflow_advice
from ingle.core.context.estimator import TokenEstimator, prior
from ingle.core.context.plan_types import (
    ContextInputs,
    ContextPlan,
    ContextWindow,
    answer_reserve_for,
)
from ingle.core.context.planner import plan_context
from ingle.core.edits.apply import plan_edits
from ingle.core.edits.elision import is_elision_marker
from ingle.core.edits.parse import parse_reply
from ingle.core.repomap.languages import Grammars
from ingle.core.repomap.map import RepoMap, identifiers_in, map_budget_for
from ingle.personas.registry import load_registry
from tests.git_env import make_repo

INSTRUCTION = "Make restock order 20 units instead of 10"


def big_module(steps: int = 40) -> str:
    lines = ['"""Inventory: stock levels, orders and reports."""', "import json", ""]
    for i in range(steps):
        lines += [
            f"def step_{i:02d}(items, limit={i}):",
            f'    """Step {i} of the pipeline."""',
            "    total = 0",
            "    for item in items:",
            "        if item.count > limit:",
            f"            total += item.count * {i + 1}",
            "    return total",
            "",
            "",
        ]
    lines += [
        "def restock(items, supplier):",
        '    """Order what ran low."""',
        "    low = [i for i in items if i.count < 5]",
        "    for item in low:",
        "        supplier.order(item.sku, 10 - item.count)",
        "    return len(low)",
        "",
    ]
    return "\n".join(lines)


def helper_module(n: int) -> str:
    return "".join(
        f"class Thing{n}x{k}:\n    def run_{k}(self, value):\n        return restock([], value) + {k}\n\n"
        for k in range(6)
    )


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    files = {"src/big.py": big_module(), "notes.txt": "a long note line\n" * 1200}
    files |= {f"src/mod{n}.py": helper_module(n) for n in range(12)}
    return make_repo(tmp_path, gitconfig, files)


@pytest.fixture(scope="module")
def coder():
    return load_registry(Path("/nonexistent")).get("my-coder")


def history(exchanges: int, words: int = 40) -> list[ChatMessage]:
    out = []
    for n in range(exchanges):
        out.append(
            ChatMessage(role="user", content=f"question {n}: " + "why is stock low " * words)
        )
        out.append(
            ChatMessage(role="assistant", content=f"answer {n}: " + "the step changed " * words)
        )
    return out


def inputs(coder, repo: Path, files: list[str], **extra) -> ContextInputs:
    return ContextInputs(
        system_prompt=coder.system_prompt(),
        examples=coder.example_pairs(),
        files={f: (repo / f).read_text() for f in files},
        instruction=INSTRUCTION,
        focus=INSTRUCTION,
        **extra,
    )


def plan_at(
    num_ctx: int,
    given: ContextInputs,
    repo: Path,
    *,
    compaction: bool = True,
    model: str = "qwen3:8b",
) -> ContextPlan:
    estimator = TokenEstimator(prior(model))
    window = ContextWindow(
        model=model,
        num_ctx=num_ctx,
        answer_reserve=answer_reserve_for(num_ctx, False),
        margin=estimator.margin,
    )
    repo_map = RepoMap(repo, None)
    chat = set(given.files)

    def source(budget: int) -> str:
        return repo_map.build(chat, identifiers_in(INSTRUCTION), budget).text

    plan = plan_context(
        given,
        window,
        estimator,
        Grammars(),
        source,
        map_budget_for(num_ctx),
        allow_compaction=compaction,
    )
    assert sum(plan.sections.values()) == plan.tokens
    assert estimator.messages_tokens(plan.messages) <= plan.tokens  # sections never undercount
    if plan.fits:
        assert plan.tokens <= window.prompt_budget
        assert plan.tokens * (1 + window.margin) + window.answer_reserve <= num_ctx
    return plan


def test_at_32k_everything_fits_as_it_is(repo, coder) -> None:
    plan = plan_at(32768, inputs(coder, repo, ["src/big.py"], history=history(3)), repo)
    assert plan.fits and len(plan.decisions) == 1  # only the window line
    assert plan.decisions[0].startswith("qwen3:8b: 32768-token window, 8192 kept for the answer")
    assert plan.parts.files["src/big.py"] == (repo / "src/big.py").read_text()
    assert plan.parts.repo_map and "src/mod" in plan.parts.repo_map
    assert len(plan.parts.history) == 6 and not plan.compaction_wanted


def test_at_8k_the_repo_map_shrinks_first(repo, coder) -> None:
    plan = plan_at(8192, inputs(coder, repo, ["src/big.py"], history=history(2)), repo)
    assert plan.fits
    # An 8K window keeps one few-shot example (they shrink first), then the map shrinks.
    assert plan.decisions[1] == "examples: 1 of 2 kept for qwen3:8b's 8192-token window"
    assert plan.decisions[2:] == [] or plan.decisions[2].startswith("repo map cut from 1024 to ")
    assert plan.sections["repo_map"] > 0
    assert plan.parts.files["src/big.py"] == (repo / "src/big.py").read_text()
    assert len(plan.parts.history) == 4  # both exchanges, verbatim


def test_at_4k_the_map_goes_then_the_big_file_is_windowed(repo, coder) -> None:
    given = inputs(coder, repo, ["src/big.py"], history=history(2))
    plan = plan_at(4096, given, repo)
    assert plan.fits
    assert plan.parts.history == given.history  # room freed by the window went back to it
    assert plan.decisions[1].startswith("src/big.py windowed to 1 function (restock): ")
    # The examples went before any older turn: the conversation matters more.
    assert plan.decisions[2:] == [
        "examples: 0 of 2 kept for qwen3:8b's 4096-token window",
        "repo map left out: no room in qwen3:8b's 4096-token window",
    ]
    shown = plan.parts.files["src/big.py"]
    assert plan.parts.windowed_files == ["src/big.py"]
    assert "def restock(items, supplier):\n" in shown and "supplier.order(item.sku, 10 - item.count)" in shown
    markers = [line for line in shown.splitlines() if "not shown" in line]
    assert markers and all(m.strip().startswith("# ... (lines ") for m in markers)
    assert all(is_elision_marker(m) for m in markers)  # the edit parser's elision, not code
    # An edit written against the window applies to the real file.
    reply = (
        "src/big.py\n```python\n<<<<<<< SEARCH\n        supplier.order(item.sku, 10 - item.count)\n"
        "=======\n        supplier.order(item.sku, 20 - item.count)\n>>>>>>> REPLACE\n```\n"
    )
    applied = plan_edits(
        parse_reply(reply).edits,
        {"src/big.py": (repo / "src/big.py").read_text()},
        repo,
        allow_new_files=False,
        chat_files={"src/big.py"},
    )
    assert applied.ok and "20 - item.count" in applied.new_contents["src/big.py"]


def test_history_past_its_share_asks_for_a_summary_of_the_older_turns(repo, coder) -> None:
    given = inputs(coder, repo, ["src/mod1.py"], history=history(6, words=60))
    plan = plan_at(8192, given, repo)
    assert plan.compaction_wanted and plan.older_turns == 4
    assert any("4 older turn(s) to be summarised" in d for d in plan.decisions)
    # Sized as if done: the last two exchanges stay, room is held for the summary.
    assert [m.content for m in plan.parts.history] == [m.content for m in given.history[-4:]]
    assert plan.fits


def test_without_a_summariser_the_oldest_turns_go_and_the_last_stays(repo, coder) -> None:
    given = inputs(coder, repo, ["src/big.py"], history=history(6, words=60))
    plan = plan_at(4096, given, repo, compaction=False)
    assert plan.fits and not plan.compaction_wanted
    dropped = next(d for d in plan.decisions if d.startswith("history:"))
    kept = len(plan.parts.history) // 2
    assert dropped == f"history: {6 - kept} more older turn(s) left out to fit"
    assert plan.parts.history == given.history[len(given.history) - 2 * kept :]


def test_a_repair_drops_earlier_attempts_but_keeps_the_latest(repo, coder) -> None:
    attempts = [ChatMessage(role="user", content=INSTRUCTION)]
    for n in range(3):
        attempts.append(ChatMessage(role="assistant", content=f"attempt {n}\n" + "x = 1\n" * 300))
        attempts.append(ChatMessage(role="user", content=f"failure {n}: the edit did not apply"))
    latest_failure = attempts.pop()
    given = inputs(coder, repo, ["src/mod1.py"], attempts=attempts)
    given = given.model_copy(update={"instruction": latest_failure.content})
    plan = plan_at(4096, given, repo)
    assert plan.fits
    # The examples went first; then the oldest attempts, never the first nor the latest.
    assert "examples: 0 of 2 kept for qwen3:8b's 4096-token window" in plan.decisions
    assert any(d.startswith("this turn: 1 earlier attempt(s) left out to fit") for d in plan.decisions)
    assert plan.parts.history == [attempts[0], *attempts[3:]]
    assert plan.messages[-1].content == "failure 2: the edit did not apply"


def test_an_impossible_fit_names_the_largest_files_and_a_larger_model(repo, coder) -> None:
    given = inputs(coder, repo, ["notes.txt", "src/mod1.py"])
    plan = plan_at(4096, given, repo, model="qwen3:14b")
    assert not plan.fits  # a text file cannot be windowed by functions
    advice = overflow_advice(plan, Settings())
    assert advice.startswith(
        f"The prompt needs about {plan.tokens} tokens, but qwen3:14b's 4096-token"
    )
    assert "Largest files in the chat: notes.txt (~5829 tokens), src/mod1.py" in advice
    assert "Or use qwen3:8b, which holds 16384 tokens: /model qwen3:8b" in advice
    assert "Nothing was sent and nothing was changed." in advice
