"""The test gate in the turn: the repository's own tests judge the edit before it lands."""

from __future__ import annotations

import json
from pathlib import Path

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo

CALC = "def add(a, b):\n    return a + b\n"
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_add_many():\n    assert add(1, 1) == 2\n"


def block(search: str, replace: str) -> str:
    return f"calc.py\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--json", "--yes", "--gates", "python", *args])


def test_failing_tests_go_back_to_the_model_and_the_fix_lands(tmp_path, gitconfig, fake_ollama, capsys):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    wrong = block("    return a + b\n", "    return a * b  # faster\n")
    right = block("    return a * b  # faster\n", "    return a + b  # checked\n")
    fake_ollama.script(Reply(text=wrong), Reply(text=right))
    assert batch(repo, "--test", "-m", "tidy add", "calc.py") == 0
    assert (repo / "calc.py").read_text() == "def add(a, b):\n    return a + b  # checked\n"
    seen = events(capsys.readouterr().out)
    runs = [e for e in seen if e["type"] == "tests_ran"]
    assert [r["status"] for r in runs] == ["failed", "passed"]
    assert "pytest" in runs[0]["command"]
    repair = [r.json for r in fake_ollama.requests if r.path == "/api/chat"][1]["messages"][-1]["content"]
    assert "tests fail" in repair and "test_add" in repair and "assert 6 == 5" in repair
    assert git(repo, "status", "--porcelain") == ""  # no cache or bytecode left in the repo


def test_tests_are_off_unless_asked(tmp_path, gitconfig, fake_ollama, capsys):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    fake_ollama.script(Reply(text=block("    return a + b\n", "    return a - b\n")))
    assert batch(repo, "-m", "subtract", "calc.py") == 0  # no test gate: the edit lands
    assert not [e for e in events(capsys.readouterr().out) if e["type"] == "tests_ran"]


def test_tests_that_keep_failing_leave_the_tree_untouched(tmp_path, gitconfig, fake_ollama, capsys, ingle_home):
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[tests]\nenabled = true\n[budget]\nrepairs_per_rung = 1\nmax_rungs = 1\n")
    replies = iter([block("    return a + b\n", "    return a - b\n"), block("    return a - b\n", "    return b - a\n")])
    fake_ollama.respond_with(lambda request: Reply(text=next(replies, "no more ideas")))
    assert batch(repo, "-m", "subtract", "calc.py") == 1
    assert (repo / "calc.py").read_text() == CALC
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "tests_failed" and "test_add" in final["error"]
