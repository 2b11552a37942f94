"""Blind A/B through the CLI: two versions or models answer the same prompt, shown in a
random order without labels; the pick is stored and feeds the per-tag Elo table."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import pytest

from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.memory.persona_preferences import preferences
from ingle.memory.store import Store
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply


@pytest.fixture
def dirs(ingle_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IngleDirs:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return IngleDirs.from_env({"INGLE_HOME": str(ingle_home)})


@pytest.fixture
def two_versions(dirs: IngleDirs, capsys) -> None:
    assert main(["persona", "new", "my-gopher", "--from", "my-coder"]) == 0
    path = dirs.user_personas / "my-gopher.toml"
    path.write_text(path.read_text().replace("temperature = 0.1", "temperature = 0.6"))
    capsys.readouterr()


def ab(monkeypatch, capsys, pick: str, *args: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(pick + "\n"))
    status = main(["persona", "ab", *args])
    return status, capsys.readouterr().out


def test_answers_are_shown_blind_and_the_pick_is_stored(
    two_versions, dirs, fake_ollama: FakeOllama, monkeypatch, capsys
) -> None:
    assert random.Random(1).random() < 0.5  # seed 1 shows B's answer first
    fake_ollama.script(Reply(text="answer from version one"), Reply(text="answer from version two"))
    status, out = ab(monkeypatch, capsys, "1", "my-gopher@1", "my-gopher@2", "reverse a list",
                     "--seed", "1", "--tag", "go")
    assert status == 0
    before_pick, after_pick = out.split("which is better?")
    assert "my-gopher@" not in before_pick  # blind: no labels until the pick
    assert before_pick.index("answer from version two") < before_pick.index("answer from version one")
    assert "1 was my-gopher@2; 2 was my-gopher@1" in after_pick
    assert "stored: my-gopher@2 (tag go)" in after_pick
    sent = [r.json["options"]["temperature"] for r in fake_ollama.requests_to("/api/chat")]
    assert sent == [0.1, 0.6]  # A ran first, as given
    with Store(dirs.database) as store:
        [stored] = preferences(store)
    assert (stored.left, stored.right, stored.winner, stored.tag) == (
        "my-gopher@1", "my-gopher@2", "right", "go")


def test_models_of_one_persona_and_the_elo_table(dirs, fake_ollama, monkeypatch, capsys) -> None:
    for seed, pick in ((0, "1"), (1, "2"), (0, "tie")):
        fake_ollama.script(Reply(text="small"), Reply(text="big"))
        status, _ = ab(monkeypatch, capsys, pick, "my-coder+qwen3:8b", "my-coder+qwen3:14b",
                       "write fizzbuzz", "--seed", str(seed))
        assert status == 0
    models = [r.json["model"] for r in fake_ollama.requests_to("/api/chat")]
    assert models == ["qwen3:8b", "qwen3:14b"] * 3
    assert main(["persona", "elo", "--json"]) == 0
    ratings = {r["contestant"]: r for r in json.loads(capsys.readouterr().out)["ratings"]}
    small, big = ratings["my-coder@1+qwen3:8b"], ratings["my-coder@1+qwen3:14b"]
    # seed 0 keeps the order (1 = small): small won, then (seed 1, 2 = small) small won, then a tie
    assert (small["wins"], small["losses"], small["ties"]) == (2, 0, 1)
    assert small["rating"] > 1000 > big["rating"] and small["tag"] == "code"
    assert main(["persona", "elo"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["TAG", "CONTESTANT", "ELO",
                                                               "GAMES", "W-L-T"]


def test_the_same_thing_twice_is_refused(dirs, fake_ollama, monkeypatch, capsys) -> None:
    fake_ollama.script(Reply(text="x"), Reply(text="y"))
    monkeypatch.setattr("sys.stdin", io.StringIO("1\n"))
    assert main(["persona", "ab", "my-coder", "my-coder@1", "hi"]) == 2
    assert "both sides are my-coder@1" in capsys.readouterr().err
