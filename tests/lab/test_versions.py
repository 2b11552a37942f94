"""Versioned personas through the real CLI: immutable versions with lineage, `name@N`
everywhere a persona is accepted (ask, batch), hand edits, diff and restore."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from ingle.core.lab.versions import resolve_persona, save_version
from ingle.core.workbench import Workbench
from ingle.memory.store import Store
from tests.fakes.script import Reply
from tests.git_env import make_repo


@pytest.fixture
def dirs(ingle_home: Path) -> IngleDirs:
    return IngleDirs.from_env({"INGLE_HOME": str(ingle_home)})


@pytest.fixture(autouse=True)
def outside_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    status, out, _ = cli(capsys, "persona", "list", "--json")
    assert status == 0
    return {p["name"]: p for p in json.loads(out)["personas"]}


def hand_edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_list_json_has_version_models_and_source(capsys) -> None:
    rows = listed(capsys)
    coder = rows["my-coder"]
    assert coder["version"] == 1 and coder["versions"] == 1
    assert coder["source"] == "builtin" and coder["models"][0] == "qwen3:8b"
    assert len(coder["content_hash"]) == 64


def test_hand_edits_make_new_immutable_versions_with_lineage(dirs, capsys) -> None:
    assert cli(capsys, "persona", "new", "my-gopher", "--from", "my-coder")[0] == 0
    path = dirs.user_personas / "my-gopher.toml"
    first = listed(capsys)["my-gopher"]
    assert first["version"] == 1
    hand_edit(path, "temperature = 0.1", "temperature = 0.2")
    second = listed(capsys)["my-gopher"]
    assert second["version"] == 2 and second["content_hash"] != first["content_hash"]
    assert listed(capsys)["my-gopher"]["version"] == 2  # loading again changes nothing

    status, out, _ = cli(capsys, "persona", "versions", "my-gopher", "--json")
    versions = json.loads(out)["versions"]
    assert status == 0 and [v["number"] for v in versions] == [1, 2]
    assert versions[0]["parent_hash"] is None
    assert versions[1]["parent_hash"] == versions[0]["content_hash"]
    assert versions[1]["changelog"] == "edited by hand in the file"

    status, out, _ = cli(capsys, "persona", "diff", "my-gopher", "1", "2")
    assert status == 0
    assert "-temperature = 0.1" in out and "+temperature = 0.2" in out

    status, out, _ = cli(capsys, "persona", "restore", "my-gopher", "1", "--json")
    restored = json.loads(out)
    assert status == 0 and restored["number"] == 3
    assert restored["content_hash"] == versions[0]["content_hash"]
    assert restored["parent_hash"] == versions[1]["content_hash"]
    assert "temperature = 0.1" in path.read_text() and "version = 3" in path.read_text()
    assert listed(capsys)["my-gopher"]["version"] == 3

    with Store(dirs.database) as store, pytest.raises(sqlite3.IntegrityError, match="immutable"):
        store.db.execute("UPDATE persona_versions SET changelog = 'x' WHERE name = 'my-gopher'")


def test_a_version_is_named_by_number_or_hash_prefix(dirs, capsys) -> None:
    cli(capsys, "persona", "new", "my-gopher", "--from", "my-coder")
    first_hash = listed(capsys)["my-gopher"]["content_hash"]
    hand_edit(dirs.user_personas / "my-gopher.toml", "temperature = 0.1", "temperature = 0.5")
    for ref in ("1", first_hash[:8]):
        status, out, _ = cli(capsys, "persona", "show", f"my-gopher@{ref}", "--json")
        shown = json.loads(out)
        assert status == 0 and shown["version"] == 1 and shown["persona"]["temperature"] == 0.1
    status, _, err = cli(capsys, "persona", "show", "my-gopher@9")
    assert status == 2 and "has no version '9'" in err and "ingle persona versions" in err


def test_ask_with_a_pinned_version_sends_it_and_the_ledger_records_it(
    dirs, fake_ollama, capsys
) -> None:
    cli(capsys, "persona", "new", "my-gopher", "--from", "my-coder")
    hand_edit(dirs.user_personas / "my-gopher.toml", "temperature = 0.1", "temperature = 0.6")
    fake_ollama.script(Reply(text="v1 answer"), Reply(text="v2 answer"))
    assert cli(capsys, "ask", "--persona", "my-gopher@1", "hello")[0] == 0
    assert cli(capsys, "ask", "--persona", "my-gopher", "hello")[0] == 0
    sent = [r.json["options"]["temperature"] for r in fake_ollama.requests_to("/api/chat")]
    assert sent == [0.1, 0.6]
    with Store(dirs.database) as store:
        rows = list(store.db.query("SELECT persona, persona_version FROM model_calls ORDER BY id"))
    assert rows == [{"persona": "my-gopher", "persona_version": "my-gopher@1"},
                    {"persona": "my-gopher", "persona_version": "my-gopher@2"}]


def test_batch_with_a_pinned_version(dirs, fake_ollama, capsys, tmp_path, gitconfig) -> None:
    repo = make_repo(tmp_path, gitconfig, {"greet.py": "def greet():\n    return 1\n"})
    cli(capsys, "persona", "new", "my-gopher", "--from", "my-coder")
    hand_edit(dirs.user_personas / "my-gopher.toml", "temperature = 0.1", "temperature = 0.6")
    fake_ollama.script(Reply(text="It returns 1."))
    status, out, _ = cli(capsys, "--batch", "--repo", str(repo), "--gates", "off", "--json",
                         "--ask", "--persona", "my-gopher@1", "-m", "explain", "greet.py")
    assert status == 0, out
    assert fake_ollama.requests_to("/api/chat")[0].json["options"]["temperature"] == 0.1
    with Store(dirs.database) as store:
        row = next(store.db.query("SELECT persona_version FROM model_calls"))
    assert row["persona_version"] == "my-gopher@1"


def test_unknown_fields_are_rejected_naming_file_and_field(dirs, capsys) -> None:
    cli(capsys, "persona", "new", "my-gopher", "--from", "my-coder")
    path = dirs.user_personas / "my-gopher.toml"
    hand_edit(path, "temperature = 0.1", "temprature = 0.1")
    status, out, _ = cli(capsys, "persona", "check", "--json")
    report = json.loads(out)
    assert status == 1 and report["ok"] is False
    assert any(p.startswith(f"{path}: temprature:") for p in report["problems"]), report


def test_save_version_is_the_api_other_features_use(dirs) -> None:
    workbench = Workbench.open()
    try:
        coder = resolve_persona(workbench.personas, workbench.store, "my-coder")
        refined = coder.persona.model_copy(update={"constraints": "Answer in Go only."})
        version = save_version(workbench.store, workbench.personas, refined,
                               "refined after eval run 7", author="evaluator")
        assert (version.number, version.author) == (2, "evaluator")
        assert version.parent_hash == coder.persona.content_hash()
        again = save_version(workbench.store, workbench.personas, refined, "same", "evaluator")
        assert again.number == 2  # same content: no new version
        assert resolve_persona(workbench.personas, workbench.store, "my-coder").label == "my-coder@2"
        old = resolve_persona(workbench.personas, workbench.store, "my-coder@1")
        assert old.persona.constraints == coder.persona.constraints
    finally:
        workbench.store.close()
