"""Real git repositories for tests, isolated from the developer's git configuration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ANN = "[user]\n\tname = Ann Example\n\temail = ann@example.com\n"


@pytest.fixture
def gitconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """git sees only an empty global config file in a fresh HOME, and no system config."""
    home = tmp_path / "home"
    home.mkdir()
    config = home / "global.gitconfig"
    config.write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
        "EMAIL", "GIT_DIR", "GIT_WORK_TREE",
    ):
        monkeypatch.delenv(name, raising=False)
    return config


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


def make_repo(tmp_path: Path, gitconfig: Path, files: dict[str, str], name: str = "repo") -> Path:
    """A repository with Ann configured globally and one commit of `files`."""
    gitconfig.write_text(ANN)
    root = tmp_path / name
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root
