"""`ingle log` end to end: calls made with `ingle ask` are listed and shown in full."""

from __future__ import annotations

import json

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import MidStreamError, Reply


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def test_empty_log_says_so(capsys, ingle_home):
    assert main(["log"]) == 0
    assert "no model calls recorded yet" in capsys.readouterr().out


def test_calls_are_listed_newest_first(fake_ollama, capsys):
    fake_ollama.script(Reply(text="first answer"), Reply(thinking="hm", text="second answer",
                                                             output_tokens=30))
    assert main(["ask", "first question"]) == 0
    assert main(["ask", "--think", "-m", "qwen3:4b", "second question"]) == 0
    capsys.readouterr()
    assert main(["log"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("#2 ") and "qwen3:4b@local" in lines[0]
    assert "'second question' -> 'second answer'" in lines[0] and "11+30 tok (4 thinking)" in lines[0]
    assert lines[1].startswith("#1 ") and "'first question' -> 'first answer'" in lines[1]
    assert main(["log", "--last", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["log", "--model", "qwen3:8b"]) == 0
    assert capsys.readouterr().out.startswith("#1 ")


def test_full_shows_the_exact_request_thinking_and_reply(fake_ollama, capsys):
    fake_ollama.script(Reply(thinking="consider slicing", text="s[::-1]"))
    assert main(["ask", "--think", "reverse s"]) == 0
    capsys.readouterr()
    assert main(["log", "--full"]) == 0
    out = capsys.readouterr().out
    request = out.split("--- request\n")[1].split("\n--- thinking")[0]
    assert json.loads(request) == fake_ollama.requests_to("/api/chat")[0].json
    assert "--- thinking\nconsider slicing" in out and "--- reply\ns[::-1]" in out
    assert "task: ask" in out and "think: true" in out


def test_failed_call_shows_error_and_partial_reply(fake_ollama, capsys):
    fake_ollama.script(Reply(text="partial words here", error_midstream=MidStreamError(after=1)))
    assert main(["ask", "q"]) == 1
    capsys.readouterr()
    assert main(["log"]) == 0
    line = capsys.readouterr().out
    assert " error " in line and "StreamFailed" in line
    assert main(["log", "--id", "1"]) == 0
    out = capsys.readouterr().out
    assert "--- reply\npartial \n" in out and "--- error\nStreamFailed" in out
    assert main(["log", "--id", "99"]) == 1
    assert "no recorded call #99" in capsys.readouterr().err


def test_last_must_be_positive(capsys):
    assert main(["log", "--last", "0"]) == 2


def test_json_is_one_document_with_each_call_as_recorded(fake_ollama, capsys, ingle_home):
    assert main(["log", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"calls": []}
    fake_ollama.script(Reply(thinking="hm", text="an answer"))
    assert main(["ask", "--think", "a question"]) == 0
    capsys.readouterr()
    assert main(["log", "--json"]) == 0
    (call,) = json.loads(capsys.readouterr().out)["calls"]
    assert call["id"] == 1 and call["model"] == "qwen3:8b" and call["outcome"] == "ok"
    assert call["reply_text"] == "an answer" and call["thinking_text"] == "hm"
    assert json.loads(call["request_json"]) == fake_ollama.requests_to("/api/chat")[0].json
