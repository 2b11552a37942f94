"""Default persona from a repository's languages, and the overrides that beat it."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from ingle.personas.languages import (
    CODER,
    FRONTEND,
    GENERALIST,
    choose_default_persona,
    count_languages,
    persona_for_languages,
    repository_files,
)

ALL = {CODER, FRONTEND, GENERALIST, "my-writer"}


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["cmd/main.go", "internal/a.go", "README.md", "go.mod"], CODER),
        (["src/Main.java", "src/Util.java", "pom.xml", "scripts/build.py"], CODER),
        (["src/App.tsx", "src/api.ts", "src/index.css", "package.json"], FRONTEND),
        (["src/App.jsx", "src/Button.jsx", "public/index.html"], FRONTEND),
        (["app/main.py", "app/util.py", "Makefile"], GENERALIST),
        (["src/lib.rs", "src/main.rs", "build.go"], GENERALIST),
        (["README.md", "docs/guide.md", "data.json"], GENERALIST),
        ([], GENERALIST),
        # A tie between specialists is no evidence for either.
        (["a.go", "b.ts"], GENERALIST),
        # Mixed: Python dominates a repository with a little Go.
        (["a.py", "b.py", "c.py", "tool.go"], GENERALIST),
    ],
)
def test_persona_for_repository_languages(paths: list[str], expected: str) -> None:
    assert persona_for_languages(count_languages(paths)) == expected


def test_counts_are_by_language_largest_first() -> None:
    counts = count_languages(["a.go", "b.GO", "c.py", "d.tsx", "e.ts", "f.ts", "notes.txt"])
    assert counts == {"Go": 2, "TypeScript": 2, "Python": 1, "TypeScript/React": 1}
    assert list(counts)[:2] == ["Go", "TypeScript"]


def test_session_beats_config_beats_languages() -> None:
    go_repo = ["main.go", "server.go"]
    assert choose_default_persona(go_repo, ALL).name == CODER
    assert choose_default_persona(go_repo, ALL).reason == "languages"
    by_config = choose_default_persona(go_repo, ALL, configured="my-writer")
    assert (by_config.name, by_config.reason) == ("my-writer", "config")
    by_session = choose_default_persona(go_repo, ALL, configured="my-writer", session=FRONTEND)
    assert (by_session.name, by_session.reason) == (FRONTEND, "session")


def test_unknown_override_is_ignored_and_reported() -> None:
    choice = choose_default_persona(["main.go"], ALL, configured="my-gone", session="my-typo")
    assert (choice.name, choice.reason) == (CODER, "languages")
    assert choice.ignored == ["my-typo", "my-gone"]


def test_missing_specialist_falls_back_to_generalist() -> None:
    assert choose_default_persona(["main.go"], {GENERALIST}).name == GENERALIST


def test_repository_files_respect_gitignore(tmp_path: Path) -> None:
    repo = git.Repo.init(tmp_path)
    (tmp_path / ".gitignore").write_text("generated/\n*.log\n")
    for name in (
        "main.go",
        "pkg/util.go",
        "generated/a.py",
        "generated/b.py",
        "generated/c.py",
        "x.log",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    repo.index.add(["main.go", ".gitignore"])
    files = repository_files(tmp_path)
    # Tracked and untracked-but-not-ignored files; ignored ones never vote.
    assert sorted(files) == [".gitignore", "main.go", "pkg/util.go"]
    assert choose_default_persona(files, ALL).name == CODER


def test_repository_files_outside_git_skip_hidden_and_vendored_dirs(tmp_path: Path) -> None:
    for name in ("src/App.tsx", "node_modules/react/index.js", ".cache/x.py", "vendor/lib.py"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    assert repository_files(tmp_path) == ["src/App.tsx"]


def test_repository_files_are_capped(tmp_path: Path) -> None:
    for n in range(5):
        (tmp_path / f"f{n}.py").write_text("x\n")
    assert len(repository_files(tmp_path, limit=3)) == 3
