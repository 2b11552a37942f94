"""Outcomes that tell the truth: a batch turn on a real repository against the fake Ollama.

A code request answered without an edit is a failed attempt (asked again once with the
reason, then the ladder climbs); `answered` is for ask mode and questions only; the exit
code, the ledger (`ingle stats`) and the final event agree; a failed turn ends with a
summary for the person, not the repair prompt meant for the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo

GREET = 'def greet():\n    return "hi"\n'
GOOD = 'greet.py\n```python\n<<<<<<< SEARCH\ndef greet():\n=======\ndef greet(name):\n>>>>>>> REPLACE\n```\n'
MISSES = 'greet.py\n```python\n<<<<<<< SEARCH\ndef nothing_like_it():\n=======\ndef x():\n>>>>>>> REPLACE\n```\n'


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def turn_calls(fake) -> list[dict]:  # noqa: ANN001
    """The turn's attempts (not the commit message or classifier, which ask for a schema)."""
    return [r.json for r in fake.requests if r.path == "/api/chat" and "format" not in r.json]


def stats(capsys) -> dict:  # noqa: ANN001
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"greet.py": GREET})


def test_a_reply_without_an_edit_is_asked_again_with_the_reason_then_climbs(
    repo, fake_ollama, capsys
) -> None:
    prose = Reply(text="Sure! You can add a name parameter to greet.")
    fake_ollama.script(prose, prose, Reply(text=GOOD))
    assert batch(repo, "--json", "--yes", "-m", "Make greet take a name", "greet.py") == 0
    assert (repo / "greet.py").read_text().startswith("def greet(name):")
    first, second, third = turn_calls(fake_ollama)
    reminder = second["messages"][-1]["content"]
    assert "Your reply had no SEARCH/REPLACE block for greet.py" in reminder
    assert "<<<<<<< SEARCH" in reminder  # the format reminder
    # The second reply without an edit is not repaired a third time: the ladder climbs.
    assert (first["think"], second["think"], third["think"]) == (False, False, True)
    seen = events(capsys.readouterr().out)
    repairs = [e["reason"] for e in seen if e["type"] == "repair_requested"]
    assert repairs[0] == "no edit in the reply"
    assert "climbing to rung 2" in repairs[1]
    assert seen[-1]["outcome"] == "committed"


def test_a_code_request_never_answered_with_an_edit_fails_everywhere(
    repo, fake_ollama, capsys
) -> None:
    fake_ollama.respond_with(lambda request: Reply(text="I think greet is fine as it is."))
    assert batch(repo, "--json", "--yes", "-m", "Make greet take a name", "greet.py") == 1
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "no_edit" and not final["ok"]
    assert "Nothing was written" in final["error"] and "Try:" in final["error"]
    assert (repo / "greet.py").read_text() == GREET
    figures = stats(capsys)
    assert figures["turns"] == 1 and figures["turns_ok"] == 0


def test_a_failed_gate_followed_by_a_reply_without_an_edit_is_not_answered(
    repo, fake_ollama, capsys
) -> None:
    broken = 'greet.py\n```python\n<<<<<<< SEARCH\n    return "hi"\n=======\n    return hi_there\n>>>>>>> REPLACE\n```\n'
    replies = iter([Reply(text=broken)])

    def answer(request) -> Reply:  # noqa: ANN001
        return next(replies, Reply(text="Sorry, that should work now."))

    fake_ollama.respond_with(answer)
    code = main(["--batch", "--repo", str(repo), "--gates", "python", "--json", "--yes",
                 "-m", "return a friendlier greeting", "greet.py"])
    seen = events(capsys.readouterr().out)
    assert code == 1
    assert seen[-1]["outcome"] == "no_edit" and not seen[-1]["ok"]
    assert (repo / "greet.py").read_text() == GREET
    assert stats(capsys)["turns_ok"] == 0


def test_a_failed_batch_turn_ends_with_a_summary_for_the_person(repo, fake_ollama, capsys) -> None:
    fake_ollama.respond_with(lambda request: Reply(text=MISSES))
    assert batch(repo, "--yes", "-m", "rename greet", "greet.py") == 1
    out = capsys.readouterr().out
    tail = out[out.index("done: edits_failed"):]
    assert "Reply with corrected" not in tail and "NOT applied" not in tail
    assert "The model's edits did not apply after" in tail
    assert "qwen3:8b" in tail and "Nothing was written." in tail
    assert "def nothing_like_it():" in tail  # what failed, in the tool's words
    assert "Try: " in tail


def test_without_a_terminal_and_without_yes_it_says_to_pass_yes(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text=GOOD))
    assert batch(repo, "--json", "-m", "greet by name", "greet.py") == 1
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "refused"
    assert final["error"].startswith("no terminal to ask on; pass --yes")
    assert (repo / "greet.py").read_text() == GREET


def test_a_question_the_classifier_recognises_is_answered(
    repo, fake_ollama, ingle_home, capsys
) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[cascade]\nclassify_tasks = true\n")
    label = '{"label": "chat", "complexity": "low", "confidence": 0.9, "reason": "a question"}'
    fake_ollama.script(Reply(text=label), Reply(text="greet returns the string hi."))
    assert batch(repo, "--json", "--yes", "-m", "What does greet return?", "greet.py") == 0
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "answered" and final["ok"]
    assert len(turn_calls(fake_ollama)) == 1
    assert stats(capsys)["turns_ok"] == 1


def test_ask_mode_is_answered_without_an_edit(repo, fake_ollama, capsys) -> None:
    fake_ollama.script(Reply(text="It returns hi."))
    assert batch(repo, "--json", "--ask", "-m", "What does greet return?", "greet.py") == 0
    assert events(capsys.readouterr().out)[-1]["outcome"] == "answered"
    assert git(repo, "status", "--porcelain") == ""
