"""Cases 8, 9 and 11: a path from model output is resolved, then checked, before anything
is read for a model; OS errors and non-regular files mean "not a usable file"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply
from tests.git_env import git, make_repo
from tests.safety.turns import GREET, edit, events, run_batch
from tests.frontends.mcp.test_mcp_server import call_error, mcp_session

TOKEN = "ghp_SECRETTOKEN0123456789"
LONG = "a" * 300 + ".py"


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    root = make_repo(tmp_path, gitconfig, {"greet.py": GREET})
    git(root, "remote", "add", "origin", f"https://user:{TOKEN}@example.com/x.git")
    return root


def _sent(server: FakeOllama) -> str:
    return "\n".join((r.body or b"").decode("utf-8", "replace") for r in server.requests)


def test_a_symlink_to_dot_git_never_reads_git_config_into_the_prompt(repo, fake_ollama, capsys) -> None:
    os.symlink(".git", repo / "gitlink")
    fake_ollama.script(
        Reply(text="I need to see `gitlink/config` to answer.\n\n"
                   + edit("gitlink/config", "[core]\n", "[core]\n")),
        Reply(text="ok"),
    )
    run_batch(repo, "--yes", "-m", "where does this push?", "greet.py")
    seen = events(capsys.readouterr().out)
    assert not [e for e in seen if e["type"] == "files_requested"]
    assert TOKEN not in _sent(fake_ollama)
    assert "Traceback" not in str(seen)


def test_a_300_character_file_name_in_a_reply_is_not_a_crash(repo, fake_ollama, capsys) -> None:
    reply = Reply(
        text=f"The helper lives in `{LONG}`, and `src/{LONG}` has its tests.\n\n"
        + edit(LONG, "", "X = 1\n")
    )
    fake_ollama.respond_with(lambda request: reply)
    assert run_batch(repo, "--yes", "-m", "make the helper", "greet.py") == 1
    seen = events(capsys.readouterr().out)
    refused = [e for e in seen if e["type"] == "edit_refused"]
    assert refused and "not a usable file: File name too long" in refused[0]["reason"]


def test_a_fifo_named_by_the_model_is_refused_not_opened(repo, fake_ollama, capsys) -> None:
    os.mkfifo(repo / "pipe.txt")
    os.mkfifo(repo / "notes.md")
    reply = Reply(text="See `notes.md`.\n\n" + edit("pipe.txt", "", "hello\n"))
    fake_ollama.respond_with(lambda request: reply)
    assert run_batch(repo, "--yes", "-m", "write to the pipe", "greet.py") == 1
    seen = events(capsys.readouterr().out)
    assert not [e for e in seen if e["type"] == "files_requested"]
    refused = [e for e in seen if e["type"] == "edit_refused"]
    assert refused and "not a regular file" in refused[0]["reason"]


async def test_mcp_reference_files_get_the_same_checks(tmp_path: Path, fake_ollama: FakeOllama) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text(f"url = https://{TOKEN}@example.com\n")
    os.symlink(".git", tmp_path / "gitlink")
    os.mkfifo(tmp_path / "pipe.py")
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "stderr.log") as session:
        too_long = await call_error(
            session, "generate_code", {"task": "x", "language": "python", "files": [LONG]}
        )
        assert "not a usable file: File name too long" in too_long
        fifo = await call_error(
            session, "generate_code", {"task": "x", "language": "python", "files": ["pipe.py"]}
        )
        assert "not a regular file" in fifo
        linked = await call_error(
            session, "generate_code", {"task": "x", "language": "python", "files": ["gitlink/config"]}
        )
        assert ".git" in linked
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()
    assert fake_ollama.requests_to("/api/chat") == []
