"""Batch turns write memories before the process exits, and `[memories]` in config.toml
takes effect (caps, injection, the extractor, off) or is refused naming file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.config.paths import IngleDirs
from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import make_repo

P = "my-coder"


def config(ingle_home: Path, text: str) -> Path:
    path = IngleDirs.from_env({"INGLE_HOME": str(ingle_home)}).config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def extraction_or(answer: str, *memories: str):
    """The fake Ollama's replies: the extraction call gets `memories`, any other `answer`."""
    def reply(request) -> Reply:  # noqa: ANN001 - the fake's request
        messages = request.json.get("messages", [])
        if any("Known memories:" in m.get("content", "") for m in messages):
            return Reply(text=json.dumps({"memories": [
                {"text": t, "kind": "fact", "about": "user"} for t in memories]}))
        return Reply(text=answer)
    return reply


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {"app.py": "print('hi')\n"})


def memories_json(capsys, *extra: str) -> list[dict]:
    capsys.readouterr()
    assert main(["memory", "ls", "--persona", P, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["memories"]


def test_a_batch_turn_stores_what_the_extractor_proposes(repo, fake_ollama, capsys):
    fake_ollama.respond_with(extraction_or(
        "Use the staging database for that.", "The user deploys the billing service on Fridays"))
    code = main(["--batch", "--repo", str(repo), "--ask", "--persona", P, "--json", "-m",
                 "we deploy billing on fridays; which database should the smoke test use?"])
    assert code == 0
    out = capsys.readouterr().out
    # stdout is the turn's NDJSON only; the turn finished before extraction ran
    assert json.loads(out.splitlines()[-1])["type"] == "turn_finished"
    chats = fake_ollama.requests_to("/api/chat")
    assert "Known memories:" in chats[-1].json["messages"][-1]["content"]
    assert chats[-1].json["model"] == "qwen3:4b"  # my-summarizer, the default extractor
    assert [m["text"] for m in memories_json(capsys)] == [
        "The user deploys the billing service on Fridays"]


def test_memories_off_means_no_extraction_and_nothing_injected(repo, fake_ollama, capsys,
                                                               ingle_home):
    assert main(["memory", "add", "The billing service deploys on Fridays", "--persona", P]) == 0
    config(ingle_home, "[memories]\nenabled = false\n")
    fake_ollama.respond_with(extraction_or("ok", "The user likes staging"))
    assert main(["--batch", "--repo", str(repo), "--ask", "--persona", P, "-m",
                 "when does billing deploy?"]) == 0
    chats = fake_ollama.requests_to("/api/chat")
    assert len(chats) == 1  # the turn only: no extraction call
    assert "Fridays" not in json.dumps(chats[0].json["messages"])
    assert [m["text"] for m in memories_json(capsys)] == ["The billing service deploys on Fridays"]


def test_settings_take_effect_inject_extractor_and_caps(repo, fake_ollama, capsys, ingle_home):
    config(ingle_home, "[memories]\ninject = 1\nmax_count = 2\nper_turn = 1\n"
                       'extractor = "my-coder"\n')
    for text in ("billing deploys on Fridays", "billing runs on Postgres"):
        assert main(["memory", "add", text, "--persona", P]) == 0
    fake_ollama.respond_with(extraction_or("ok", "The user owns billing", "The user owns search"))
    assert main(["--batch", "--repo", str(repo), "--ask", "--persona", P, "-m",
                 "what do you know about billing?"]) == 0
    chats = fake_ollama.requests_to("/api/chat")
    sent = json.dumps(chats[0].json["messages"])
    assert sum(t in sent for t in ("Fridays", "Postgres")) == 1  # inject = 1
    extraction = chats[-1].json
    assert extraction["model"] != "qwen3:4b"  # the configured extractor, my-coder
    active = memories_json(capsys)
    assert len(active) == 2 and "The user owns billing" in [m["text"] for m in active]
    assert "The user owns search" not in [m["text"] for m in active]  # per_turn = 1
    archived = [m for m in memories_json(capsys, "--all") if m["status"] == "archived"]
    assert len(archived) == 1  # max_count = 2: the least used went to the archive


@pytest.mark.parametrize(("body", "key", "line", "says"), [
    ("[memories]\ninject = -1\n", "memories.inject", 2, "greater than or equal to 0"),
    ('[memories]\nenabled = true\nembedding = "ollama"\n', "memories.embedding", 3,
     "needs embedding_model"),
    ('[memories]\nembedding = "chroma"\n', "memories.embedding", 2, "'none', 'ollama' or 'local'"),
    ("[memories]\ncaps = 3\n", "memories.caps", 2, "Extra inputs are not permitted"),
])
def test_a_bad_value_is_refused_with_file_and_line(ingle_home, capsys, body, key, line, says):
    path = config(ingle_home, body)
    assert main(["memory", "ls", "--persona", P]) == 2
    err = capsys.readouterr().err
    assert f"{path}: key '{key}' (line {line})" in err and says in err
