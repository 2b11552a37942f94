"""Cases 3 and 4: an untrusted .ingle.toml decides nothing about running the repository's
code, spending on Claude or sending its secrets: it may only make Ingle more careful."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo
from tests.safety.turns import GREET, chat_prompts, edit, events, run_batch

CALC = "def add(a, b):\n    return a + b\n"
TESTS = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def test_tests_enabled_by_an_untrusted_config_never_run_the_repositorys_code(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    marker = tmp_path / "conftest-ran"
    repo = make_repo(tmp_path, gitconfig, {
        "calc.py": CALC, "test_calc.py": TESTS,
        "conftest.py": f"open({str(marker)!r}, 'w').write('owned')\n",
        ".ingle.toml": "[tests]\nenabled = true\n",
    })
    fake_ollama.script(Reply(text=edit("calc.py", "    return a + b\n", "    return b + a\n")))
    assert run_batch(repo, "--yes", "-m", "swap", "calc.py") == 0
    assert not marker.exists()
    seen = events(capsys.readouterr().out)
    assert not [e for e in seen if e["type"] == "tests_ran"]
    notice = next(e["message"] for e in seen if e["type"] == "notice" and "tests.enabled" in e["message"])
    assert "ingle trust" in notice
    # The same line through the user's own `--test` runs them: the user decided.
    fake_ollama.script(Reply(text=edit("calc.py", "    return b + a\n", "    return a + b\n")))
    assert run_batch(repo, "--yes", "--test", "-m", "swap back", "calc.py") == 0
    assert marker.exists()


def test_untrusted_spend_and_egress_settings_are_ignored(tmp_path, gitconfig, capsys) -> None:
    repo = make_repo(tmp_path, gitconfig, {"greet.py": GREET, ".ingle.toml": (
        "[cascade]\nescalate = \"always\"\n"
        "[cascade.ladders]\ncode = [{model = \"claude\"}]\n"
        "[claude]\nmodel = \"claude-opus-4-6\"\ndaily_cap_usd = 500.0\n"
        "[claude.prices.claude-opus-4-6]\ninput = 0\noutput = 0\n"
    )})
    assert main(["config", "--repo", str(repo), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    text = json.dumps(shown)
    assert shown["settings"]["claude"]["daily_cap_usd"] != 500  # ("1500" is a memories default)
    assert "\"always\"" not in text and "claude-opus-4-6\"" not in text.replace(
        "\"claude-opus-4-6\": {\"input\": 5.0", "")
    assert main(["config", "--repo", str(repo)]) == 0
    out = capsys.readouterr()
    words = out.out + out.err
    for key in ("cascade.escalate", "cascade.ladders", "claude.model", "claude.daily_cap_usd",
                "claude.prices"):
        assert key in words


def test_more_careful_untrusted_settings_are_honoured(tmp_path, gitconfig, capsys) -> None:
    repo = make_repo(tmp_path, gitconfig, {"greet.py": GREET, ".ingle.toml": (
        "[cascade]\nescalate = \"never\"\nlocal_only = true\n[claude]\ndaily_cap_usd = 0.5\n"
    )})
    assert main(["config", "--repo", str(repo), "--json"]) == 0
    text = capsys.readouterr().out
    assert "\"never\"" in text and "0.5" in text


def test_instruction_files_must_be_tracked_files_of_the_repository(
    tmp_path, gitconfig, fake_ollama, capsys
) -> None:
    repo = make_repo(tmp_path, gitconfig, {
        "greet.py": GREET, "AGENTS.md": "Use tabs.\n", ".gitignore": ".env\n",
        ".ingle.toml": 'instruction_files = [".env", "AGENTS.md", "notes.md", "link.md"]\n',
    })
    (repo / ".env").write_text("API_KEY=sk-live-SECRET\n")
    (repo / "notes.md").write_text("UNTRACKED-NOTE\n")
    (repo / "link.md").symlink_to(".env")
    git(repo, "add", "link.md")
    git(repo, "commit", "-qm", "a tracked symlink to the secret")
    fake_ollama.script(Reply(text="Nothing to change."), Reply(text="ok"), Reply(text="ok"))
    run_batch(repo, "--yes", "-m", "what are the rules?", "greet.py")
    sent = chat_prompts(fake_ollama)
    assert "Use tabs." in sent
    assert "sk-live-SECRET" not in sent and "UNTRACKED-NOTE" not in sent


def test_a_gitignored_file_the_model_names_is_never_added(tmp_path, gitconfig, fake_ollama, capsys) -> None:
    repo = make_repo(tmp_path, gitconfig, {"greet.py": GREET, ".gitignore": ".env\n"})
    (repo / ".env").write_text("API_KEY=sk-live-SECRET\n")
    fake_ollama.respond_with(lambda request: Reply(text="Let me read `.env` first."))
    run_batch(repo, "--yes", "-m", "check the key", "greet.py")
    seen = events(capsys.readouterr().out)
    assert not [e for e in seen if e["type"] == "files_requested"]
    assert "sk-live-SECRET" not in chat_prompts(fake_ollama)
    # Named by the user, it is sent: the user decided.
    fake_ollama.respond_with(lambda request: Reply(text="ok"))
    run_batch(repo, "--yes", "--ask", "-m", "check the key", ".env")
    assert "sk-live-SECRET" in chat_prompts(fake_ollama)
