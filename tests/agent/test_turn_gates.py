"""Gates inside the agent turn: a failing gate blocks the write, its diagnostics go back
to the model, the repair applies on top of the candidate, and only a passing result lands.

These run the real tools (ruff, Chromium): marked `toolchain`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo

pytestmark = pytest.mark.toolchain


def block(path: str, search: str, replace: str, lang: str = "python") -> str:
    return f"{path}\n```{lang}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_a_python_gate_failure_is_repaired_before_anything_is_written(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"stats.py": "def mean(xs):\n    return sum(xs) / len(xs)\n"})
    broken = block("stats.py", "    return sum(xs) / len(xs)\n",
                   "    if not xs:\n        return defualt\n    return sum(xs) / len(xs)\n")
    # The repair is written against the candidate (with the typo), not the original file.
    fixed = block("stats.py", "        return defualt\n", "        return 0.0\n")
    seen_during_repair: list[str] = []

    def answer(request) -> Reply:  # noqa: ANN001
        if "format" in request.json:  # the commit message, after the turn passed
            return Reply(text='{"type": "fix", "scope": "stats", "subject": "handle empty input"}')
        calls = [r for r in fake_ollama.requests if r.path == "/api/chat"]
        if len(calls) == 1:
            return Reply(text=broken)
        seen_during_repair.append((repo / "stats.py").read_text())
        return Reply(text=fixed)

    fake_ollama.respond_with(answer)
    assert batch(repo, "--gates", "python", "-m", "handle empty input", "stats.py") == 0
    assert (repo / "stats.py").read_text() == (
        "def mean(xs):\n    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n"
    )
    # While the model was repairing, the user's file was still the original.
    assert seen_during_repair == ["def mean(xs):\n    return sum(xs) / len(xs)\n"]
    seen = events(capsys.readouterr().out)
    gates = [e for e in seen if e["type"] == "gate_ran"]
    assert [g["status"] for g in gates] == ["failed", "passed"]
    assert gates[0]["diagnostics"][0]["rule"] == "F821"
    repair = [r.json for r in fake_ollama.requests if r.path == "/api/chat"][1]
    message = repair["messages"][-1]["content"]
    assert "stats.py:3" in message and "F821" in message and "defualt" in message
    assert "return defualt" in repair["messages"][0]["content"]  # the candidate, in the prompt
    assert git(repo, "log", "--format=%s", "-1").strip() == "fix(stats): handle empty input"


def test_a_page_that_crashes_in_the_browser_is_caught_and_repaired(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    page = "<!doctype html><canvas id=c></canvas><script src=fish.js></script>\n"
    repo = make_repo(tmp_path, gitconfig, {"index.html": page, "fish.js": "const fish = [1, 2];\n"})
    crash = block("fish.js", "const fish = [1, 2];\n",
                  "const fish = [1, 2];\nfor (let fish of fish) { console.log(fish); }\n", "js")
    fixed = block(
        "fish.js", "for (let fish of fish) { console.log(fish); }\n",
        "for (let f of fish) { console.log(f); }\n", "js",
    )
    fake_ollama.script(Reply(text=crash), Reply(text=fixed))
    assert batch(repo, "--gates", "browser", "-m", "log every fish", "fish.js") == 0
    assert "for (let f of fish)" in (repo / "fish.js").read_text()
    gates = [e for e in events(capsys.readouterr().out) if e["type"] == "gate_ran"]
    assert [g["status"] for g in gates] == ["failed", "passed"]
    assert any("before initialization" in d["message"] for d in gates[0]["diagnostics"])


def test_gates_that_keep_failing_leave_the_repository_untouched(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"app.py": "x = 1\n"})
    replies = iter(
        [block("app.py", "x = 1\n", "x = y0\n")]
        + [block("app.py", f"x = y{n}\n", f"x = y{n + 1}\n") for n in range(20)]
    )
    fake_ollama.respond_with(lambda request: Reply(text=next(replies)))  # each still undefined
    assert batch(repo, "--gates", "python", "--escalate", "never", "-m", "use y", "app.py") == 1
    assert (repo / "app.py").read_text() == "x = 1\n"
    assert git(repo, "status", "--porcelain") == ""
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "gates_failed" and "F821" in final["error"]


def test_a_gate_that_cannot_run_does_not_block_unless_required(
    tmp_path, gitconfig, fake_ollama, capsys, ingle_home, monkeypatch
) -> None:
    repo = make_repo(tmp_path, gitconfig, {"Main.java": "class Main {}\n"})
    config = ingle_home / "config" / "config.toml"
    # No javac anywhere: PATH holds only git, and no JAVA_HOME.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    reply = block("Main.java", "class Main {}\n", "class Main { int x; }\n", "java")
    fake_ollama.script(Reply(text=reply))
    assert batch(repo, "--gates", "java", "-m", "add a field", "Main.java") == 0
    gate = next(e for e in events(capsys.readouterr().out) if e["type"] == "gate_ran")
    assert gate["status"] == "could_not_run"

    git(repo, "reset", "-q", "--hard", "HEAD~1")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        '[gates]\nrequired = ["java"]\n'
        "[budget]\nrepairs_per_rung = 0\n[cascade]\nescalate = \"never\"\n"
    )
    fake_ollama.respond_with(lambda request: Reply(text=reply))
    assert batch(repo, "--gates", "java", "-m", "add a field", "Main.java") == 1
    assert (repo / "Main.java").read_text() == "class Main {}\n"
