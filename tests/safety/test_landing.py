"""Cases 2, 6 and 7: a save is never lost, a failed commit never reports success, and a
crash between write and commit is rolled back at the next start."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.script import Reply
from tests.git_env import git, make_repo
from tests.safety.turns import GREET, edit, events, run_batch

MESSAGE = Reply(text='{"type": "feat", "scope": "", "subject": "change greet"}')


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"greet.py": GREET, ".gitignore": "build/\n"})


def _is_commit_message_call(request) -> bool:  # noqa: ANN001 - a RecordedRequest
    return request.path == "/api/chat" and "format" in (request.json or {})


def test_a_save_made_while_the_commit_message_is_written_is_kept(repo, fake_ollama, capsys) -> None:
    saved = GREET + "# the user's save\n"

    def answer(request):  # noqa: ANN001, ANN202
        if _is_commit_message_call(request):
            (repo / "greet.py").write_text(saved)  # the user presses save right now
            return MESSAGE
        return Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n"))

    fake_ollama.respond_with(answer)
    assert run_batch(repo, "--yes", "-m", "take a name", "greet.py") == 1
    assert (repo / "greet.py").read_text() == saved
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "refused" and "changed on disk" in final["error"]
    assert git(repo, "log", "--oneline").count("\n") == 1


def test_two_ingle_processes_never_revert_each_others_commit(
    repo, fake_ollama, capsys, ingle_home
) -> None:
    """B asks for its commit message while A runs a whole turn and commits: B must then
    refuse, not write its version over A's committed edit."""
    # B's message waits for all of A (a whole process) however loaded the machine is.
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[git]\nmessage_timeout_s = 3600\n")
    ingle = shutil.which("ingle", path=str(Path(sys.executable).parent))
    assert ingle is not None
    other: list[subprocess.CompletedProcess[str]] = []
    started: list[bool] = []

    def answer(request):  # noqa: ANN001, ANN202
        body = str(request.json)
        if _is_commit_message_call(request):
            if "hello" not in body and not started:  # B's message: run A to the end first
                started.append(True)  # once, even if B's call times out and is retried
                other.append(subprocess.run(
                    [ingle, "--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes",
                     "-m", "A: say hello", "greet.py"],
                    capture_output=True, text=True, env=dict(os.environ), check=False,
                ))
            return MESSAGE
        if "A: say hello" in body:
            return Reply(text=edit("greet.py", '    return "hi"\n', '    return "hello"\n'))
        return Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n"))

    fake_ollama.respond_with(answer)
    b_status = run_batch(repo, "--yes", "-m", "B: take a name", "greet.py")
    assert other, "A never ran"
    final = (repo / "greet.py").read_text()
    # Whichever landed first (on a loaded machine B's message call may time out before A
    # finishes), the other refused: each committed edit is still in the file.
    landed = {"A": other[0].returncode == 0, "B": b_status == 0}
    assert landed["A"] != landed["B"], (b_status, other[0].stdout[-3000:], other[0].stderr[-2000:])
    if landed["A"]:
        assert final == 'def greet():\n    return "hello"\n'
        assert events(capsys.readouterr().out)[-1]["outcome"] == "refused"
    else:
        assert final == 'def greet(name):\n    return "hi"\n'
        assert '"outcome":"refused"' in other[0].stdout
    assert git(repo, "status", "--porcelain") == ""


def test_a_failing_signer_rolls_the_write_back_and_exits_non_zero(
    repo, tmp_path, fake_ollama, capsys
) -> None:
    signer = tmp_path / "failing-gpg"
    signer.write_text("#!/bin/sh\necho 'gpg: signing failed: No secret key' >&2\nexit 2\n")
    signer.chmod(0o755)
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", str(signer))
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")), MESSAGE)
    assert run_batch(repo, "--yes", "-m", "take a name", "greet.py") == 1
    assert (repo / "greet.py").read_text() == GREET
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "not_committed" and "not committed" in final["error"]
    assert not list(repo.glob(".greet.py.ingle-*"))


def test_a_new_file_under_an_ignored_directory_is_refused_before_writing(
    repo, fake_ollama, capsys
) -> None:
    fake_ollama.script(Reply(text=edit("build/gen.py", "", "X = 1\n")), MESSAGE)
    assert run_batch(repo, "--yes", "-m", "generate", "greet.py") == 1
    assert not (repo / "build").exists()
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "refused" and "build/gen.py: git ignores it" in final["error"]


def test_a_file_inside_a_nested_repository_is_refused_before_writing(
    repo, fake_ollama, capsys
) -> None:
    nested = repo / "vendor" / "lib"
    nested.mkdir(parents=True)
    git(nested, "init", "-q")
    fake_ollama.script(Reply(text=edit("vendor/lib/patch.py", "", "X = 1\n")), MESSAGE)
    assert run_batch(repo, "--yes", "-m", "patch the vendored lib", "greet.py") == 1
    assert not (nested / "patch.py").exists()
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "refused" and "nested repository vendor/lib" in final["error"]


def test_a_crash_between_write_and_commit_is_rolled_back_at_the_next_start(
    repo, tmp_path, fake_ollama, capsys
) -> None:
    # The "signer" kills the Ingle process (git's parent) while git commits: a real crash
    # after the files were written and before the commit exists.
    killer = tmp_path / "killing-gpg"
    killer.write_text("#!/bin/sh\nkill -9 $(awk '{print $4}' /proc/$PPID/stat)\nsleep 30\n")
    killer.chmod(0o755)
    git(repo, "config", "commit.gpgsign", "true")
    git(repo, "config", "gpg.program", str(killer))
    ingle = shutil.which("ingle", path=str(Path(sys.executable).parent))
    assert ingle is not None
    fake_ollama.script(Reply(text=edit("greet.py", "def greet():\n", "def greet(name):\n")), MESSAGE)
    crashed = subprocess.run(
        [ingle, "--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes",
         "-m", "take a name", "greet.py"],
        capture_output=True, text=True, env=dict(os.environ), check=False,
    )
    assert crashed.returncode == -9
    assert (repo / "greet.py").read_text().startswith("def greet(name):")  # written, not committed
    # What a crash inside the atomic write leaves beside the file.
    (repo / ".greet.py.ingle-0badf00d.tmp").write_text("half")
    os.link(repo / "greet.py", repo / ".greet.py.ingle-0badf00d.bak")

    git(repo, "config", "--unset", "commit.gpgsign")
    fake_ollama.script(Reply(text="Nothing to change."))
    assert run_batch(repo, "--yes", "--ask", "-m", "anything to do?", "greet.py") == 0
    assert (repo / "greet.py").read_text() == GREET
    assert not list(repo.glob(".greet.py.ingle-*"))
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "--oneline").count("\n") == 1  # no "wip" commit of the model's edit
    seen = events(capsys.readouterr().out)
    assert any(e["type"] == "notice" and "put back" in e["message"] for e in seen)
