"""Gates judge the change, not the repository: a batch turn on a real repository with the
real ruff and pytest, against the fake Ollama.

Errors the original files already had (matched by file, rule and message at the line the
diff maps to) are shown as "already there" and do not block; tests that failed before
the change do not block it either. Only what the change introduced goes back to the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import make_repo

pytestmark = pytest.mark.toolchain

# A file with an undefined name far from the function the request is about.
APP = (
    'def greet():\n    return "hi"\n\n\n'
    "def report(rows):\n    return render(rows)  # render was never imported\n"
)


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def turn_calls(fake) -> list[dict]:  # noqa: ANN001
    return [r.json for r in fake.requests if r.path == "/api/chat" and "format" not in r.json]


def test_an_error_already_in_the_file_does_not_block_an_unrelated_edit(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"app.py": APP})
    # The edit adds lines above the old error, so its line moves: the diff maps it back.
    edit = block("app.py", 'def greet():\n    return "hi"\n',
                 'def greet(name="you"):\n    """Say hello."""\n    message = f"hi {name}"\n'
                 "    return message\n")
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "feat", "scope": "app", "subject": "greet by name"}'
        if "format" in request.json else edit
    ))
    assert batch(repo, "--gates", "python", "-m", "greet takes a name", "app.py") == 0
    assert (repo / "app.py").read_text().startswith('def greet(name="you"):')
    seen = events(capsys.readouterr().out)
    [gate] = [e for e in seen if e["type"] == "gate_ran"]
    assert gate["status"] == "passed" and gate["diagnostics"] == []
    [old] = gate["already_there"]
    assert old["rule"] == "F821" and "render" in old["message"] and old["line"] == 8
    assert "1 already there before the change" in gate["summary"]
    assert len(turn_calls(fake_ollama)) == 1  # no repair was asked for
    assert seen[-1]["outcome"] == "committed"


def test_a_new_error_still_blocks_and_only_it_goes_back_to_the_model(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"app.py": APP})
    broken = block("app.py", '    return "hi"\n', "    return greeting\n")
    fixed = block("app.py", "    return greeting\n", '    return "hello"\n')
    fake_ollama.script(Reply(text=broken), Reply(text=fixed))
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "feat", "scope": "app", "subject": "say hello"}'
    ))
    assert batch(repo, "--gates", "python", "-m", "say hello", "app.py") == 0
    seen = events(capsys.readouterr().out)
    first = next(e for e in seen if e["type"] == "gate_ran")
    assert first["status"] == "failed"
    assert [d["message"] for d in first["diagnostics"]] == ["Undefined name `greeting`"]
    assert [d["rule"] for d in first["already_there"]] == ["F821"]
    repair = turn_calls(fake_ollama)[1]["messages"][-1]["content"]
    assert "greeting" in repair and "render" not in repair
    assert (repo / "app.py").read_text().startswith('def greet():\n    return "hello"\n')


CALC = "def add(a, b):\n    return a + b\n\n\ndef half(x):\n    return x / 3  # a known bug\n"
TESTS = (
    "from calc import add, half\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\n"
    "def test_half():\n    assert half(4) == 2\n"
)


def test_a_test_that_failed_before_the_change_does_not_block_it(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    edit = block("calc.py", "    return a + b\n", "    return a + b  # checked\n")
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "docs", "scope": "calc", "subject": "note add"}'
        if "format" in request.json else edit
    ))
    assert batch(repo, "--gates", "python", "--test", "-m", "note that add is checked", "calc.py") == 0
    seen = events(capsys.readouterr().out)
    [tests] = [e for e in seen if e["type"] == "tests_ran"]
    assert tests["status"] == "failed" and not tests["blocking"]
    assert [f["name"] for f in tests["failures"]] == tests["failed_before"]
    assert any("test_half" in name for name in tests["failed_before"])
    assert "failed before the change too" in tests["summary"]
    assert seen[-1]["outcome"] == "committed"
    assert len(turn_calls(fake_ollama)) == 1


def test_a_test_the_change_breaks_still_blocks(
    tmp_path, gitconfig, fake_ollama, capsys, ingle_home
) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[budget]\nrepairs_per_rung = 0\nmax_rungs = 1\n")
    repo = make_repo(tmp_path, gitconfig, {"calc.py": CALC, "test_calc.py": TESTS})
    wrong = block("calc.py", "    return a + b\n", "    return a - b\n")
    fake_ollama.respond_with(lambda request: Reply(
        text='{"type": "fix", "scope": "calc", "subject": "x"}' if "format" in request.json else wrong
    ))
    assert batch(repo, "--gates", "python", "--test", "-m", "change add", "calc.py") == 1
    seen = events(capsys.readouterr().out)
    first = next(e for e in seen if e["type"] == "tests_ran")
    assert first["blocking"] and any("test_half" in n for n in first["failed_before"])
    assert seen[-1]["outcome"] == "tests_failed"
    assert (repo / "calc.py").read_text() == CALC
