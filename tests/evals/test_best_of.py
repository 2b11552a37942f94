"""Best-of-N in the agent turn: `ingle --batch --best-of N` on a real git repository,
the candidates drawn from the fake Ollama, judged by the real Python gate and pytest."""

from __future__ import annotations

import json
from pathlib import Path

from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.memory.ledger import best_of_pick
from ingle.memory.store import Store

from tests.fakes.script import RecordedRequest, Reply
from tests.git_env import git, make_repo

CALC = "def add(a, b):\n    return a + b\n"
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def block(search: str, replace: str) -> str:
    return f"calc.py\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


BROKEN = block("    return a + b\n", "    return a +\n")  # the python gate fails it
WRONG = block("    return a + b\n", "    return a - b  # tidy\n")  # compiles; the tests fail it
RIGHT = block("    return a + b\n", "    return a + b  # checked\n")


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--json", "--yes", "--gates", "python", *args])


def scripted(candidates: list[str], judge: str = "") -> object:
    """Candidates in order for the coder's requests; the judge's JSON for a schema-bound one."""
    replies = iter(candidates)

    def respond(request: RecordedRequest) -> Reply:
        if request.json.get("format"):
            return Reply(text=judge)
        return Reply(text=next(replies, "no more ideas"))
    return respond


def coder_bodies(server) -> list[dict]:
    return [r.json for r in server.requests_to("/api/chat") if not r.json.get("format")]


def ledger(home: Path) -> Store:
    return Store(IngleDirs.from_env().database)


def test_the_first_candidate_that_passes_gates_and_tests_lands(tmp_path, gitconfig, fake_ollama, capsys, ingle_home):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    fake_ollama.respond_with(scripted([BROKEN, WRONG, RIGHT, RIGHT]))
    assert batch(repo, "--test", "--best-of", "4", "-m", "tidy add", "calc.py") == 0
    assert (repo / "calc.py").read_text() == "def add(a, b):\n    return a + b  # checked\n"
    bodies = coder_bodies(fake_ollama)
    # Three drawn at spread temperatures (the persona's 0.1 first); the fourth never was.
    assert [b["options"]["temperature"] for b in bodies] == [0.1, 0.4, 0.7]
    seen = events(capsys.readouterr().out)
    notes = [e["message"] for e in seen if e["type"] == "notice" and "best of 4" in e["message"]]
    assert "best of 4: candidate 1: gate python failed" in notes
    assert "best of 4: candidate 2: tests failed" in notes
    assert "best of 4: candidate 3: passed gates and tests" in notes
    assert notes[-1] == "best of 4: kept candidate 3 (temperature 0.7): it passed gates and tests"
    final = seen[-1]
    assert final["type"] == "turn_finished" and final["outcome"] == "committed"
    assert git(repo, "log", "--format=%s").splitlines()[1:] == ["initial"]  # one commit: the kept one
    store = ledger(ingle_home)
    pick = best_of_pick(store, final["turn_id"])
    assert pick is not None and (pick.kept, pick.kept_by, pick.drawn) == (3, "passed", 3)
    assert pick.verdicts == ["gate python failed", "tests failed", "passed"]
    outcomes = [r["outcome"] for r in store.db.query(
        "SELECT outcome FROM model_calls WHERE turn_id = ? ORDER BY id", [final["turn_id"]])]
    assert outcomes == ["best_of_discarded", "best_of_discarded", "passed"]
    store.close()


def test_when_none_passes_the_judges_pick_is_repaired(tmp_path, gitconfig, fake_ollama, capsys, ingle_home):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    fix = block("    return a - b  # tidy\n", "    return a + b  # tidy\n")
    fake_ollama.respond_with(scripted(
        [BROKEN, WRONG, fix], judge='{"best": 2, "reason": "it compiles; only the sign is wrong"}'))
    assert batch(repo, "--test", "--best-of", "2", "-m", "tidy add", "calc.py") == 0
    assert (repo / "calc.py").read_text() == "def add(a, b):\n    return a + b  # tidy\n"
    bodies = coder_bodies(fake_ollama)
    assert len(bodies) == 3  # two candidates, then one repair on the judge's pick
    repair = bodies[2]["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-2]["content"] == WRONG
    judge = [r.json for r in fake_ollama.requests_to("/api/chat")
             if "best" in (r.json.get("format") or {}).get("properties", {})]
    assert len(judge) == 1 and "Candidate 1" in judge[0]["messages"][-1]["content"]
    seen = events(capsys.readouterr().out)
    assert any(e["type"] == "notice" and e["message"].startswith(
        "best of 2: kept candidate 2 (temperature 0.4): none passed; the judge's pick: it compiles")
        for e in seen)
    store = ledger(ingle_home)
    pick = best_of_pick(store, seen[-1]["turn_id"])
    assert pick is not None and (pick.kept, pick.kept_by) == (2, "judge")
    store.close()


def test_best_of_out_of_range_is_refused(tmp_path, gitconfig, fake_ollama, capsys):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC})
    assert batch(repo, "--best-of", "9", "-m", "tidy", "calc.py") == 2
    assert "--best-of 9: use a number from 1 to 8" in capsys.readouterr().err
    assert not fake_ollama.requests_to("/api/chat")


def test_a_missing_model_passes_the_draw_to_the_next_rung(tmp_path, gitconfig, fake_ollama, capsys, ingle_home):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    del fake_ollama.models["qwen3:8b"]  # the persona's own model is not pulled
    fake_ollama.respond_with(scripted([BROKEN, RIGHT]))
    assert batch(repo, "--best-of", "2", "-m", "tidy add", "calc.py") == 0
    assert (repo / "calc.py").read_text() == "def add(a, b):\n    return a + b  # checked\n"
    seen = events(capsys.readouterr().out)
    notes = [e["message"] for e in seen if e["type"] == "notice" and "best of 2" in e["message"]]
    assert notes == [
        "best of 2: candidate 1 at temperature 0.1", "best of 2: candidate 1: qwen3:8b is not installed",
        "best of 2: candidate 1 at temperature 0.1", "best of 2: candidate 1: gate python failed",
        "best of 2: candidate 2 at temperature 0.4", "best of 2: candidate 2: passed gates and tests",
        "best of 2: kept candidate 2 (temperature 0.4): it passed gates and tests"]
    assert [b["model"] for b in coder_bodies(fake_ollama)] == ["qwen3:14b", "qwen3:14b"]


def test_the_kept_candidates_tests_are_not_run_again(tmp_path, gitconfig, fake_ollama, capsys, ingle_home):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    log = tmp_path / "runs.log"
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[tests]\ncommand = "echo ran >> {log} && python -m pytest -q -p no:cacheprovider"\n')
    fake_ollama.respond_with(scripted([RIGHT, RIGHT]))
    assert batch(repo, "--test", "--best-of", "2", "-m", "tidy add", "calc.py") == 0
    assert log.read_text() == "ran\n"  # checked once as a candidate, its verdict replayed
    seen = events(capsys.readouterr().out)
    kinds = [e["type"] for e in seen]
    assert kinds.count("tests_ran") == 1 and kinds.count("gate_ran") == 1
    assert kinds.index("edit_applied") < kinds.index("gate_ran") < kinds.index("tests_ran") < kinds.index("committed")
