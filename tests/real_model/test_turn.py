"""A batch coding turn with the real 135M model: whatever it replies, the outcome is honest
and the ledger row is complete.

SmolLM2-135M rarely writes a usable SEARCH/REPLACE block. The turn must then say so (a
failed outcome, a non-zero exit, the file untouched), never "answered" with exit 0; when
it does manage an edit, the edit is committed. Either way every call and the turn are in
the ledger with non-zero counts marked as the tokenizer's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.git_env import git, make_repo
from tests.real_model.conftest import ENDPOINT, MODEL, write_config

GREET = 'def greet():\n    return "hi"\n'
# One rung, one repair: the model's time stays small and the outcome is still the turn's own.
# Time limits far out of reach: a loaded machine must not turn the outcome into "timeout".
BUDGET = "\n[budget]\nrepairs_per_rung = 1\nmax_rungs = 1\nturn_timeout_s = 7200\n"
FAILED = {"no_edit", "edits_failed", "gates_failed", "tests_failed", "model_error"}


@pytest.fixture(scope="module")
def turn(llama_server, tmp_path_factory) -> dict:
    """One batch turn, shared by the tests below (the model's time is the tier's cost)."""
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("real-turn")
    home = tmp / "ingle-home"
    home.mkdir()
    gitconfig = tmp / "global.gitconfig"
    for name in ("OLLAMA_HOST", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "XDG_CONFIG_HOME",
                 "XDG_DATA_HOME", "GIT_DIR", "GIT_WORK_TREE"):
        mp.delenv(name, raising=False)
    mp.setenv("INGLE_HOME", str(home))
    mp.setenv("HOME", str(tmp))
    mp.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    try:
        repo = make_repo(tmp, gitconfig, {"greet.py": GREET})
        write_config(home, llama_server.url, BUDGET)
        import io
        from contextlib import redirect_stdout

        out = io.StringIO()
        with redirect_stdout(out):
            code = main(["--batch", "--yes", "--json", "--repo", str(repo), "--gates", "off",
                         "--model", f"{MODEL}@{ENDPOINT}", "-m",
                         "Make greet take a name and return 'hi <name>'.", "greet.py"])
        events = [json.loads(line) for line in out.getvalue().splitlines()
                  if line.startswith("{")]
        from ingle.core.config.paths import IngleDirs
        from ingle.memory.store import Store

        with Store(IngleDirs.from_env(os.environ).database) as store:
            finished = events[-1]
            turns = list(store.db["turns"].rows_where("turn_id = ?", [finished["turn_id"]]))
            calls = list(store.db["model_calls"].rows_where("turn_id = ?",
                                                            [finished["turn_id"]]))
        return {"code": code, "events": events, "repo": repo, "turns": turns, "calls": calls,
                "head": git(repo, "log", "--format=%s", "-1")}
    finally:
        mp.undo()


def test_an_edit_turn_ends_with_an_honest_outcome(turn):
    finished = turn["events"][-1]
    assert finished["type"] == "turn_finished"
    text = (Path(turn["repo"]) / "greet.py").read_text()
    # A code request is never "answered": it changed the file or it failed, and says which.
    assert finished["outcome"] != "answered"
    if finished["ok"]:
        assert finished["outcome"] == "committed" and turn["code"] == 0
        assert text != GREET and finished["files_changed"] == ["greet.py"]
    else:
        assert finished["outcome"] in FAILED, finished
        assert turn["code"] != 0
        assert text == GREET  # nothing half-written
    # Every reply without an edit was asked again with the reason, within the budget.
    attempts = [e for e in turn["events"] if e["type"] == "attempt_started"]
    assert 1 <= len(attempts) <= 2


def test_the_ledger_row_is_complete(turn):
    finished = turn["events"][-1]
    [row] = turn["turns"]
    assert row["outcome"] == finished["outcome"] and bool(row["ok"]) == finished["ok"]
    assert row["duration_s"] > 0 and row["attempts"] >= 1
    assert (row["final_model"], row["final_endpoint"]) == (MODEL, ENDPOINT)
    assert row["persona"] and row["task_kind"] and row["repo"] == str(turn["repo"])
    assert row["prompt_tokens"] > 0 and row["output_tokens"] > 0
    assert row["tokens_estimated"] == 1  # the server sent no usage: the row says so
    assert turn["calls"], "the turn's model calls are not tagged with it"
    for call in turn["calls"]:
        assert call["model"] == MODEL and call["endpoint"] == ENDPOINT
        assert call["prompt_tokens"] > 0 and call["output_tokens"] > 0
        assert call["token_source"] == "tokenizer"
        assert call["duration_s"] > 0 and call["tokens_per_s"] > 0
        assert call["reply_text"] and json.loads(call["request_json"])["messages"]
        assert call["outcome"] not in ("ok", "cancelled")  # tagged with the attempt's verdict
    assert sum(c["prompt_tokens"] for c in turn["calls"]) == row["prompt_tokens"]
