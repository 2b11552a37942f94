"""`ingle memory` end to end through main([...]) and one real subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from ingle.core.frontends.cli import main

P = ["--persona", "my-coder"]


def run_json(capsys, *argv: str) -> dict:
    assert main(["memory", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_add_ls_search_forget_restore_history(capsys):
    assert main(["memory", "add", "The user deploys on Fridays", *P]) == 0
    assert capsys.readouterr().out == "remembered #1: The user deploys on Fridays\n"
    assert main(["memory", "add", "Tabs, never spaces", "--kind", "preference", "--pin", *P]) == 0
    capsys.readouterr()
    listed = run_json(capsys, "ls", *P)
    assert listed["persona"] == "my-coder" and listed["core"] == "18/1500 chars"
    assert [(m["id"], m["pinned"], m["kind"]) for m in listed["memories"]] == [
        (2, True, "preference"), (1, False, "fact")]
    found = run_json(capsys, "search", "when do we deploy", "--limit", "5", *P)
    assert [r["id"] for r in found["results"]] == [1] and "score" in found["results"][0]
    assert main(["memory", "forget", "1", *P]) == 0
    assert "ingle memory restore 1" in capsys.readouterr().out
    assert [m["id"] for m in run_json(capsys, "ls", *P)["memories"]] == [2]
    assert run_json(capsys, "restore", "1", *P)["status"] == "active"
    entries = run_json(capsys, "history", *P)["entries"]
    assert [(e["memory_id"], e["op"]) for e in entries] == [
        (1, "restore"), (1, "forget"), (2, "add"), (1, "add")]
    assert main(["memory", "history", "1", *P]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and "restore" in out[0] and "'archived' -> 'active'" in out[0]


def test_add_from_file_and_stdin(tmp_path, capsys, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("Uses Go 1.22\n\n  Builds with make  \nUses Go 1.22\n", encoding="utf-8")
    added = run_json(capsys, "add", "--from-file", str(notes), *P)
    assert [m["text"] for m in added["added"]] == ["Uses Go 1.22", "Builds with make"]
    assert [m["text"] for m in added["existing"]] == ["Uses Go 1.22"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("Reviews happen on Mondays\n"))
    assert main(["memory", "add", "--from-file", "-", *P]) == 0
    assert "remembered #3: Reviews happen on Mondays" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "reason"), [
    (["add"], "give the memory as TEXT or --from-file FILE"),
    (["add", "x", "--from-file", "f"], "give the memory as TEXT or --from-file FILE"),
    (["add", "--from-file", "/nonexistent/notes"], "cannot read it"),
    (["add", "   "], "a memory cannot be empty"),
    (["forget", "abc"], "'abc' is not a memory id"),
    (["forget", "42"], "no memory #42"),
    (["restore", "42"], "no memory #42"),
    (["search", "the of", "--json"], "nothing to search for"),
    (["search", "x", "--limit", "0"], "--limit must be at least 1"),
    (["ls", "--persona", "nobody"], "no persona named 'nobody'"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, reason):
    assert main(["memory", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert reason in line


def test_export_writes_claude_md_style(tmp_path, capsys):
    main(["memory", "add", "Prefers small commits", "--kind", "preference", *P])
    main(["memory", "add", "Run the linter first", "--kind", "procedure", *P])
    capsys.readouterr()
    assert main(["memory", "export", *P]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Memory of my-coder") and "## Preferences\n\n- Prefers small commits" in out
    target = tmp_path / "CLAUDE.md"
    report = run_json(capsys, "export", "-o", str(target), *P)
    assert target.read_text(encoding="utf-8") == out == report["markdown"]


def test_edit_pin_unpin(capsys):
    main(["memory", "add", "Staging is at staging.local", *P])
    capsys.readouterr()
    edited = run_json(capsys, "edit", "1", "Staging is at stage.example", *P)
    assert edited["superseded"] == 1 and edited["memory"]["id"] == 2
    assert run_json(capsys, "pin", "2", *P)["pinned"] is True
    assert run_json(capsys, "unpin", "#2", *P)["pinned"] is False
    listed = run_json(capsys, "ls", "--all", *P)["memories"]
    assert {m["id"]: m["status"] for m in listed} == {1: "superseded", 2: "active"}


def test_the_real_command_in_a_subprocess(tmp_path):
    env = {**os.environ}
    cmd = [sys.executable, "-m", "ingle.core.frontends.cli", "memory"]
    added = subprocess.run([*cmd, "add", "--from-file", "-", "--json", *P], input="One\nTwo\n",
                           capture_output=True, text=True, env=env, check=True)
    assert len(json.loads(added.stdout)["added"]) == 2
    bad = subprocess.run([*cmd, "restore", "7", *P], capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("ingle: no memory #7")
