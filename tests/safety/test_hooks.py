"""Case 1: model output never runs through git hooks, whatever core.hooksPath says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.git_env import git, make_repo
from tests.fakes.script import Reply
from tests.safety.turns import GREET, edit, events, run_batch


def _hook(path: Path, marker: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    os.chmod(path, 0o755)


@pytest.fixture
def husky_repo(tmp_path: Path, gitconfig: Path) -> Path:
    """husky v9's layout: core.hooksPath = .husky/_, which holds runnable hooks."""
    marker = tmp_path / "hook-ran"
    root = make_repo(tmp_path, gitconfig, {"greet.py": GREET, ".husky/_/.gitignore": "*\n"})
    git(root, "config", "core.hooksPath", ".husky/_")
    for name in ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit",
                 "reference-transaction"):
        _hook(root / ".husky" / "_" / name, marker)
    return root


def test_ingles_commits_run_no_hook_at_all(husky_repo, tmp_path, fake_ollama, capsys) -> None:
    (husky_repo / "greet.py").write_text(GREET + "# mine\n")  # a wip commit of the user's too
    fake_ollama.script(Reply(text=edit("greet.py", "# mine\n", "# mine, kept\n")))
    assert run_batch(husky_repo, "--yes", "-m", "touch", "greet.py") == 0
    assert "(ingle)" in git(husky_repo, "log", "--format=%cn", "-1")
    assert not (tmp_path / "hook-ran").exists()


def test_the_hooks_directory_is_refused_like_dot_git(husky_repo, tmp_path, fake_ollama, capsys) -> None:
    planted = edit(".husky/_/post-commit", "", "#!/bin/sh\ntouch owned\n")
    fake_ollama.respond_with(lambda request: Reply(text=planted))
    assert run_batch(husky_repo, "--yes", "-m", "add a hook", "greet.py") == 1
    assert "owned" not in (husky_repo / ".husky/_/post-commit").read_text()
    refused = [e for e in events(capsys.readouterr().out) if e["type"] == "edit_refused"]
    assert refused and "hooks directory" in refused[0]["reason"]


def test_a_hook_file_the_model_names_is_never_read_into_the_prompt(
    husky_repo, fake_ollama, capsys
) -> None:
    secret_hook = husky_repo / ".husky" / "_" / "pre-push"
    _hook(secret_hook, husky_repo / "x")
    secret_hook.write_text("#!/bin/sh\n# HOOK-SECRET-TOKEN\n")
    fake_ollama.respond_with(lambda request: Reply(text="Let me look at `.husky/_/pre-push` first."))
    run_batch(husky_repo, "--yes", "-m", "check the hooks", "greet.py")
    seen = events(capsys.readouterr().out)
    assert not [e for e in seen if e["type"] == "files_requested"]
    assert all("HOOK-SECRET-TOKEN" not in (r.body or b"").decode() for r in fake_ollama.requests)
