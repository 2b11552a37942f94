"""`ingle --batch` end to end: the fake Ollama server answers, a real repository changes.

Gates are off here (see test_turn_gates.py); these tests are about the turn itself:
edits applied and committed, repairs, file requests, approvals, safety, exit codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import HttpError, Reply
from tests.git_env import git, make_repo

GREET = 'def greet():\n    return "hi"\n'


def edit(path: str, search: str, replace: str) -> str:
    return f"{path}\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def run_batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"greet.py": GREET, "util.py": "X = 1\n"})


def test_an_edit_is_applied_and_committed_as_ingles(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(
        Reply(text="Adding a name.\n\n" + edit("greet.py", 'def greet():\n    return "hi"\n',
                                               'def greet(name):\n    return f"hi {name}"\n'))
    )
    assert run_batch(repo, "--yes", "-m", "greet by name", "greet.py") == 0
    assert (repo / "greet.py").read_text() == 'def greet(name):\n    return f"hi {name}"\n'
    log = git(repo, "log", "--format=%s%n%b%n%cn", "-1")
    assert "Ingle-Turn:" in log and "(ingle)" in log
    assert git(repo, "status", "--porcelain") == ""
    seen = events(capsys.readouterr().out)
    kinds = [e["type"] for e in seen]
    assert kinds[0] == "turn_started" and kinds[-1] == "turn_finished"
    assert "edit_applied" in kinds and "committed" in kinds
    final = seen[-1]
    assert final["ok"] and final["outcome"] == "committed" and final["files_changed"] == ["greet.py"]
    # What the model was sent: the persona's prompt and the file, with one fixed num_ctx.
    chat = [r for r in fake_ollama.requests if r.path == "/api/chat"][0].json
    assert chat["messages"][0]["role"] == "system" and GREET in chat["messages"][0]["content"]
    assert chat["messages"][-1] == {"role": "user", "content": "greet by name"}
    assert chat["options"]["num_ctx"] > 0

    assert main(["undo", "--repo", str(repo)]) == 0
    assert (repo / "greet.py").read_text() == GREET


def test_a_failed_edit_is_repaired_on_the_next_attempt(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(
        Reply(text=edit("greet.py", "def greet(:\n", "def greet(name):\n")),
        Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")),
    )
    assert run_batch(repo, "--yes", "-m", "take a name", "greet.py") == 0
    assert (repo / "greet.py").read_text().startswith("def greet(name):")
    seen = events(capsys.readouterr().out)
    repair = next(e for e in seen if e["type"] == "repair_requested")
    assert repair["reason"] == "edits did not apply"
    # The second request carried the failure back, with the file's real lines.
    second = [r for r in fake_ollama.requests if r.path == "/api/chat"][1].json
    assert "NOT applied" in second["messages"][-1]["content"]
    assert second["messages"][-2]["role"] == "assistant"


def test_edits_that_never_apply_leave_the_tree_untouched(repo, fake_ollama, capsys) -> None:
    bad = Reply(text=edit("greet.py", "no such line\n", "x\n"))
    fake_ollama.respond_with(lambda request: bad)
    assert run_batch(repo, "--yes", "-m", "change it", "greet.py") == 1
    assert (repo / "greet.py").read_text() == GREET
    assert git(repo, "log", "--oneline").count("\n") == 1
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "edits_failed" and not final["ok"]


def test_the_users_uncommitted_work_is_committed_first_as_theirs(repo, fake_ollama, capsys) -> None:
    (repo / "greet.py").write_text(GREET + "\n# my note\n")
    fake_ollama.script(Reply(text=edit("greet.py", "# my note\n", "# my note, kept\n")))
    assert run_batch(repo, "--yes", "-m", "touch the note", "greet.py") == 0
    subjects = git(repo, "log", "--format=%s|%cn").splitlines()
    assert subjects[1].startswith("wip: save uncommitted changes") and "(ingle)" not in subjects[1]
    assert "(ingle)" in subjects[0]
    assert main(["undo", "--repo", str(repo)]) == 0
    assert (repo / "greet.py").read_text() == GREET + "\n# my note\n"


def test_without_yes_a_non_interactive_run_writes_nothing(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def greet(x):\n")))
    assert run_batch(repo, "-m", "change", "greet.py") == 1
    assert (repo / "greet.py").read_text() == GREET
    assert events(capsys.readouterr().out)[-1]["outcome"] == "refused"


def test_files_the_model_edits_outside_the_chat_are_added_with_yes(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=edit("util.py", "X = 1\n", "X = 2\n")))
    assert run_batch(repo, "--yes", "-m", "bump X", "greet.py") == 0
    assert (repo / "util.py").read_text() == "X = 2\n"
    seen = events(capsys.readouterr().out)
    requested = next(e for e in seen if e["type"] == "files_requested")
    assert requested == {**requested, "paths": ["util.py"], "added": True}


def test_hostile_paths_are_refused_and_nothing_is_written(repo, fake_ollama, capsys, tmp_path) -> None:
    outside = tmp_path / "outside.txt"
    reply = Reply(text=edit("../outside.txt", "", "owned\n") + edit(".git/config", "", "x\n"))
    fake_ollama.respond_with(lambda request: reply)
    assert run_batch(repo, "--yes", "-m", "do it", "greet.py") == 1
    assert not outside.exists()
    refused = [e for e in events(capsys.readouterr().out) if e["type"] == "edit_refused"]
    assert refused and all(e["reason"] for e in refused)


def test_suggested_commands_run_only_with_run_suggested(repo, fake_ollama, capsys) -> None:
    reply = "Run this:\n\n```bash\ntouch ran.txt\n```\n"
    # the first run's memory extraction (after its turn) takes the middle reply
    fake_ollama.script(Reply(text=reply), Reply(text='{"memories": []}'), Reply(text=reply))
    assert run_batch(repo, "--yes", "-m", "what now?") == 0
    assert not (repo / "ran.txt").exists()
    assert run_batch(repo, "--yes", "--run-suggested", "-m", "what now?") == 0
    assert (repo / "ran.txt").exists()
    ran = [e for e in events(capsys.readouterr().out) if e["type"] == "shell_ran"]
    assert ran and ran[0]["exit_code"] == 0


def test_ask_mode_answers_without_editing(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def nope():\n"), thinking="hmm"))
    assert run_batch(repo, "--ask", "-m", "explain greet", "greet.py") == 0
    assert (repo / "greet.py").read_text() == GREET
    seen = events(capsys.readouterr().out)
    assert seen[-1]["outcome"] == "answered"
    assert any(e["type"] == "thinking" for e in seen)


def test_a_dead_server_exits_3_with_what_to_do(repo, monkeypatch, capsys) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:9")
    assert run_batch(repo, "--yes", "-m", "anything", "greet.py") == 3
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "server_unreachable" and "127.0.0.1:9" in final["error"]


def test_a_missing_model_is_reported_and_the_ladder_climbs(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(
        Reply(error_before=HttpError(status=404, message="model 'nope:1b' not found")),
        Reply(text=edit("greet.py", "def greet():\n", "def greet(n):\n")),
    )
    assert run_batch(repo, "--yes", "--model", "nope:1b", "-m", "change", "greet.py") == 0
    seen = events(capsys.readouterr().out)
    assert any(e["type"] == "notice" and "ollama pull nope:1b" in e["message"] for e in seen)


def test_usage_errors_exit_2(repo, tmp_path, fake_ollama, capsys) -> None:
    assert main(["--batch", "--repo", str(repo)]) == 2
    assert main(["--batch", "--repo", str(repo), "-m", "x", "missing.py"]) == 2
    plain = tmp_path / "plain"
    plain.mkdir()
    assert main(["--batch", "--repo", str(plain), "-m", "x"]) == 2
    assert "git init" in capsys.readouterr().err


def test_instruction_from_stdin(repo, fake_ollama, capsys, monkeypatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("rename greet\n"))
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def hello():\n")))
    assert run_batch(repo, "--yes", "-m", "-") == 0
    chat = [r for r in fake_ollama.requests if r.path == "/api/chat"][0].json
    assert chat["messages"][-1]["content"] == "rename greet\n"


def test_the_classifier_writes_the_commit_message(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(
        Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")),
        Reply(text='{"type": "feat", "scope": "Greet", "subject": "take a name."}'),
    )
    assert run_batch(repo, "--yes", "-m", "greet by name", "greet.py") == 0
    assert git(repo, "log", "--format=%s", "-1").strip() == "feat(greet): take a name"
    asked = [r.json for r in fake_ollama.requests if r.path == "/api/chat"][1]
    assert asked["model"] == "qwen3:4b" and asked["think"] is False
    assert asked["format"]["properties"]["type"]["enum"][0] == "feat"
    assert "+def greet(name):" in asked["messages"][-1]["content"]


def test_a_broken_commit_message_reply_falls_back_to_the_rule(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(
        Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")),
        Reply(text="Sure! Here is a commit message: add names"),  # not the JSON asked for
    )
    assert run_batch(repo, "--yes", "-m", "greet by name", "greet.py") == 0
    assert git(repo, "log", "--format=%s", "-1").strip() == "feat: greet by name"
