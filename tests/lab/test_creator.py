"""The persona creator over scripted replies: every proposal schema-bound and valid, rules
fill what the measurements decide, the field diff shown, direct edits kept."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.lab.creator import PROPOSAL_SCHEMA
from ingle.core.lab.service import LabService
from ingle.core.workbench import Workbench
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply

REVIEW_SCHEMA = {"type": "object", "required": ["verdict", "findings"], "properties": {
    "verdict": {"type": "string"}, "findings": {"type": "array"}}}


def proposal(**changes) -> Reply:
    data = {
        "name": "go-json-reviewer", "description": "reviews Go changes, answers in JSON",
        "task_kind": "review", "tags": ["go"], "role": "You review Go code changes.",
        "constraints": "- Flag ignored errors.", "format": "JSON only.",
        "structured": True, "json_schema": json.dumps(REVIEW_SCHEMA),
    }
    return Reply(text=json.dumps({**data, **changes}))


@pytest.fixture(autouse=True)
def outside_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")


def test_describe_prints_a_rule_filled_toml_and_saves_it(fake_ollama: FakeOllama, capsys) -> None:
    fake_ollama.script(proposal(), proposal())
    status = main(["persona", "new", "--describe", "a Go reviewer that answers in JSON"])
    out, err = capsys.readouterr()
    assert status == 0, err
    sent = fake_ollama.requests_to("/api/chat")[0].json
    assert sent["format"] == PROPOSAL_SCHEMA and sent["think"] is False
    assert "a Go reviewer that answers in JSON" in sent["messages"][-1]["content"]
    data = tomllib.loads(out)
    assert data["name"] == "go-json-reviewer" and data["task_kinds"] == ["review"]
    assert data["temperature"] == 0.1  # review is code work: the measured 0.1
    assert data["think"] == {"first": "off", "retry": "on"}
    assert data["base_model"] == "qwen3:8b"  # the configured role for review
    assert json.loads(data["json_schema"]) == REVIEW_SCHEMA
    assert data["examples"]  # library review examples whose output follows the schema
    assert "not saved" in err

    assert main(["persona", "new", "--describe", "a Go reviewer", "--save", "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)["saved"]
    assert saved == "go-json-reviewer@1"
    assert main(["persona", "versions", "go-json-reviewer", "--json"]) == 0
    version = json.loads(capsys.readouterr().out)["versions"][0]
    assert version["author"] == "creator" and version["changelog"].startswith("created from:")


def test_temperature_follows_the_task_kind(fake_ollama: FakeOllama, capsys) -> None:
    fake_ollama.script(proposal(name="story-teller", task_kind="writing", structured=False,
                                json_schema=""))
    assert main(["persona", "new", "--describe", "bedtime stories", "--json"]) == 0
    persona = json.loads(capsys.readouterr().out)["persona"]
    assert persona["temperature"] == 0.7 and persona["json_schema"] is None


async def test_an_interview_keeps_direct_edits_and_shows_each_diff(fake_ollama: FakeOllama) -> None:
    fake_ollama.script(
        proposal(),
        proposal(role="You review Go services for correctness.", tags=["go", "services"]),
    )
    workbench = Workbench.open()
    try:
        session = LabService(workbench).creator()
        assert session.next_question() == ("role", "What should this persona do? (its role)")
        first = await session.answer("role", "review Go code")
        assert {c.field for c in first.changes} >= {"name", "role", "temperature", "json_schema"}
        edited = session.edit("temperature", 0.2)
        assert [(c.field, c.old, c.new) for c in edited.changes] == [("temperature", 0.1, 0.2)]
        assert session.next_question()[0] == "domain"
        second = await session.answer("domain", "HTTP services")
        assert second.persona.temperature == 0.2  # the user's edit survives the new proposal
        assert {c.field for c in second.changes} == {"role", "tags"}
        assert "You review Go code changes." in fake_ollama.requests_to("/api/chat")[1].json[
            "messages"][-1]["content"]  # the model improves the current proposal
    finally:
        await workbench.aclose()


def test_an_empty_description_is_refused(capsys) -> None:
    assert main(["persona", "new", "--describe", "  "]) == 2
    assert "the description is empty" in capsys.readouterr().err
