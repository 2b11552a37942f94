"""`ingle persona suggest`: personas proposed from a real repository's languages (by
lines), manifests and test tools, each with its reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.git_env import make_repo

PACKAGE_JSON = json.dumps({"dependencies": {"react": "^18"},
                           "devDependencies": {"vitest": "^1", "typescript": "^5"}})


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    go = "package main\n\nfunc main() {\n\tprintln(1)\n}\n" * 20  # 80 lines
    return make_repo(tmp_path, gitconfig, {
        "go.mod": "module example.com/svc\n\nrequire github.com/gin-gonic/gin v1.9.1\n",
        "main.go": go,
        "main_test.go": "package main\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
        "web/package.json": PACKAGE_JSON,
        "package.json": PACKAGE_JSON,
        "web/App.tsx": "export function App() {\n  return <div/>\n}\n" * 10,  # 30 lines
        "README.md": "# svc\n" * 500,  # docs do not vote
    })


def test_suggestions_name_languages_frameworks_and_tests(repo, capsys) -> None:
    status = main(["persona", "suggest", "--repo", str(repo), "--json"])
    out = capsys.readouterr().out
    assert status == 0
    data = json.loads(out)
    assert list(data["profile"]["languages"]) == ["Go", "TypeScript/React"]
    assert data["profile"]["languages"]["Go"] == 83
    assert data["profile"]["frameworks"]["Gin"] == "go.mod"
    assert data["profile"]["frameworks"]["React"] == "package.json"
    by_name = {s["name"]: s for s in data["suggestions"]}
    assert set(by_name) == {"go-coder", "react-frontend", "repo-reviewer"}
    go = by_name["go-coder"]
    assert go["base"] == "my-coder"
    assert go["reason"].startswith("Go: 83 of 113 lines of code (73%)")
    assert "Gin (go.mod)" in go["reason"] and "go test" in go["reason"]
    assert 'name = "go-coder"' in go["toml"]
    assert "Vitest" in by_name["react-frontend"]["frameworks"]


def test_a_suggestion_is_saved_as_a_versioned_persona(repo, capsys) -> None:
    assert main(["persona", "suggest", "--repo", str(repo), "--save", "go-coder"]) == 0
    assert "saved go-coder@1" in capsys.readouterr().out
    assert main(["persona", "show", "go-coder", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert "The code uses Gin" in shown["persona"]["constraints"]
    assert main(["persona", "suggest", "--repo", str(repo), "--save", "nope"]) == 2
    assert "suggested here: react-frontend, repo-reviewer" in capsys.readouterr().err
