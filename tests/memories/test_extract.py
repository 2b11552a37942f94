"""The write path over scripted replies of the fake Ollama: one schema-bound call per quiet
period, and the guards that keep junk out whatever the model says."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ingle.core.memories.extract import (
    SCHEMA,
    MemoryWriter,
    TurnRecord,
    absolute_dates,
    extract,
)
from ingle.core.memories.events import MemoriesExtracted
from tests.fakes.script import Reply

P = "my-coder"
SYSTEM = "You are a careful senior engineer. Always answer with SEARCH/REPLACE blocks for edits."
AT = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.timezone.utc).timestamp()


def turn(user: str, answer: str = "ok", **extra) -> TurnRecord:
    return TurnRecord(persona=P, user=user, answer=answer, at=AT, system_prompt=SYSTEM,
                      turn_id="t1", **extra)


def proposals(*items: dict) -> Reply:
    return Reply(text=json.dumps({"memories": list(items)}))


def m(text: str, about: str = "user", kind: str = "fact", supersedes=None) -> dict:
    item = {"text": text, "kind": kind, "about": about}
    if supersedes is not None:
        item["supersedes"] = supersedes
    return item


async def test_one_schema_bound_call_to_the_small_persona(fake_ollama, service):
    fake_ollama.script(proposals(m("The user deploys the billing service on Fridays")))
    report = await extract(service, [turn("we deploy billing on fridays, can you check the script?")])
    assert [x.text for x in report.added] == ["The user deploys the billing service on Fridays"]
    (request,) = fake_ollama.requests_to("/api/chat")
    assert request.json["model"] == "qwen3:4b" and request.json["format"] == SCHEMA
    assert request.json["think"] is False
    system, user = request.json["messages"]
    assert "Today is 2026-12-03" in system["content"]
    assert SYSTEM not in user["content"]  # the system prompt is not extraction input
    added = report.added[0]
    assert (added.source_turn, added.valid_from) == ("t1", AT)
    assert service.history(memory_id=added.id)[0].actor == "model:extract"
    await service.workbench.pool.aclose()


async def test_guards_drop_junk_whatever_the_model_says(fake_ollama, service):
    known = service.add(P, "The user prefers tabs over spaces").memory
    recalled = "The user works from Utrecht on Mondays"
    fake_ollama.script(proposals(
        m("The assistant always answers with SEARCH/REPLACE blocks for edits", about="user"),
        m("The user works from Utrecht on Mondays"),
        m("User prefers tabs over spaces."),
        m("Python is a programming language", about="other"),
        m("The project targets Python 3.12", about="project"),
        m("The project targets Python 3.12 only", about="project"),
        m("ok"),
    ))
    report = await extract(service, [turn("hi", recalled=[recalled])])
    assert [x.text for x in report.added] == ["The project targets Python 3.12"]
    reasons = dict(report.dropped)
    assert reasons["The assistant always answers with SEARCH/REPLACE blocks for edits"] == \
        "restates the system prompt"
    assert reasons["The user works from Utrecht on Mondays"] == "a recalled memory, not a new one"
    assert reasons["User prefers tabs over spaces."] == f"a duplicate of #{known.id}"
    assert reasons["Python is a programming language"] == "not about the user, the project or the task"
    assert reasons["The project targets Python 3.12 only"] == "the same as another proposal"
    assert reasons["ok"] == "too short to mean anything"
    await service.workbench.pool.aclose()


async def test_a_reply_that_only_restates_adds_nothing(fake_ollama, service):
    fake_ollama.script(proposals(m("You are a careful senior engineer"),
                                 m("Always answer with SEARCH/REPLACE blocks")))
    report = await extract(service, [turn("fix the bug")])
    assert report.added == [] and len(report.dropped) == 2
    assert service.list(P) == []
    await service.workbench.pool.aclose()


async def test_at_most_five_per_turn(fake_ollama, service):
    facts = ["Postgres", "Redis", "Kafka", "Nginx", "Celery", "Sentry", "Grafana"]
    fake_ollama.script(proposals(*[m(f"The project uses {f} in production", about="project")
                                   for f in facts]))
    report = await extract(service, [turn("our stack")])
    assert len(report.added) == 5
    assert [why for _, why in report.dropped] == ["over the limit of 5 per turn"] * 2
    await service.workbench.pool.aclose()


async def test_supersedes_by_small_number_only_of_shown_memories(fake_ollama, service):
    old = service.add(P, "The API listens on port 8000").memory
    fake_ollama.script(proposals(m("The API listens on port 9000", about="project",
                                   supersedes=[1, 77])))
    report = await extract(service, [turn("I moved the API to port 9000")])
    user = fake_ollama.requests_to("/api/chat")[0].json["messages"][1]["content"]
    assert "Known memories:\n1. The API listens on port 8000" in user
    assert f"#{old.id}" not in user  # real ids never reach the model
    assert report.superseded == [old.id]
    new = report.added[0]
    assert service.get(old.id).status == "superseded" and service.get(old.id).superseded_by == new.id
    # undo: the user restores the old one and forgets the new one
    service.forget(new.id)
    service.restore(old.id)
    assert [x.text for x in service.list(P)] == ["The API listens on port 8000"]
    await service.workbench.pool.aclose()


def test_relative_dates_become_absolute():
    assert absolute_dates("The user moved house yesterday", AT) == "The user moved house on 2026-12-02"
    assert absolute_dates("Release is tomorrow", AT) == "Release is on 2026-12-04"
    assert absolute_dates("Started 3 days ago", AT) == "Started on 2026-11-30"
    assert absolute_dates("Demo in 10 days", AT) == "Demo on 2026-12-13"
    assert absolute_dates("Hired last week", AT) == "Hired in the week of 2026-11-26"


async def test_dates_in_proposals_are_made_absolute(fake_ollama, service):
    fake_ollama.script(proposals(m("The user starts a new job tomorrow")))
    report = await extract(service, [turn("I start my new job tomorrow!")])
    assert report.added[0].text == "The user starts a new job on 2026-12-04"
    await service.workbench.pool.aclose()


async def test_the_writer_is_debounced_and_never_calls_on_note(fake_ollama, service, workbench):
    writer = MemoryWriter(service, delay_s=3600)
    writer.note_turn(turn("I use Neovim"))
    writer.note_turn(turn("and I keep my dotfiles in a bare git repo"))
    assert fake_ollama.requests_to("/api/chat") == []  # nothing on the chat path
    fake_ollama.script(proposals(m("The user uses Neovim"),
                                 m("The user keeps dotfiles in a bare git repository")))
    async with workbench.bus.subscribe(MemoriesExtracted) as events:
        (report,) = await writer.flush()
        event = events.get_nowait()
    assert len(fake_ollama.requests_to("/api/chat")) == 1  # both turns in one call
    user = fake_ollama.requests_to("/api/chat")[0].json["messages"][1]["content"]
    assert "I use Neovim" in user and "bare git repo" in user
    assert len(report.added) == 2 and event.added == [x.id for x in report.added]
    assert writer.pending == []
    await writer.aclose()
    await service.workbench.pool.aclose()


async def test_a_failing_model_loses_nothing_and_says_why(fake_ollama, service):
    fake_ollama.script(Reply(text="not json at all"))
    report = await extract(service, [turn("remember that I like tea")])
    assert report.added == [] and report.error
    await service.workbench.pool.aclose()
