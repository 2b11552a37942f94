"""A real batch turn on a git repository becomes an eval case, then a run of that suite."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.evals.helpers import ingle
from tests.fakes.script import Reply
from tests.git_env import make_repo

GREET = 'def greet():\n    return "hi"\n'
EDIT = ('Adding a name.\n\ngreet.py\n```python\n<<<<<<< SEARCH\ndef greet():\n    return "hi"\n'
        '=======\ndef greet(name):\n    return f"hi {name}"\n>>>>>>> REPLACE\n```\n')


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"greet.py": GREET})


def turn_id(out: str) -> str:
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return events[0]["turn_id"]


def test_capture_a_committed_turn_and_run_it(repo, fake_ollama, ingle_home, capsys):
    fake_ollama.script(Reply(text=EDIT))
    assert main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes",
                 "-m", "greet by name", "greet.py"]) == 0
    turn = turn_id(capsys.readouterr().out)
    done = ingle("eval", "capture", turn[:10], "--suite", "mine", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    path = Path(out["suite"])
    assert path == ingle_home / "config" / "evals" / "mine.toml"
    data = tomllib.loads(path.read_text())
    case = data["cases"][0]
    assert case["tags"] == ["captured", "passing", "passed"]
    assert case["expected"] == EDIT and case["data"]["turn_id"] == turn
    assert case["messages"][-1] == {"role": "user", "content": "greet by name"}
    assert all(m["role"] != "system" for m in case["messages"])  # subjects bring their own
    assert "accepted answer" in case["checks"][0]["rubric"]
    again = ingle("eval", "capture", turn, "--suite", "mine")
    assert again.returncode == 2 and "already in" in again.stderr

    def respond(request):
        if "format" in request.json:
            return Reply(text=json.dumps({"score": 0.9, "reason": "same edit"}))
        return Reply(text=EDIT)

    fake_ollama.respond_with(respond)
    run = ingle("eval", "run", "mine", "--personas", "my-coder", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["subjects"][0]["pass@1"] == 1.0


def test_capture_an_undone_turn_as_failing(repo, fake_ollama, capsys):
    fake_ollama.script(Reply(text=EDIT))
    assert main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes",
                 "-m", "greet by name", "greet.py"]) == 0
    turn_id(capsys.readouterr().out)
    assert main(["undo", "--repo", str(repo)]) == 0
    assert main(["eval", "capture", "last", "--suite", "regress", "--failing", "undone"]) == 0
    assert "(failing, undone)" in capsys.readouterr().out


def test_capture_of_an_unknown_turn(fake_ollama):
    done = ingle("eval", "capture", "nope", "--suite", "x")
    assert done.returncode == 2 and "no stored turn" in done.stderr
