"""Consolidation: near-duplicates merged with one call, originals superseded (undoable),
never-used memories archived; through the service and `ingle memory consolidate`."""

from __future__ import annotations

import json

from ingle.core.frontends.cli import main
from ingle.core.memories.consolidate import consolidate_step, near_duplicate_groups
from tests.fakes.script import Reply

P = "my-coder"


def seed(service) -> list[int]:
    return [service.add(P, t).memory.id for t in (
        "The user deploys on Fridays",
        "The user deploys to production on Fridays",
        "The database is PostgreSQL 16",
        "The main database runs PostgreSQL 16",
        "The user drinks tea",
    )]


def test_groups_are_found_in_code(service):
    ids = seed(service)
    groups = [[m.id for m in g] for g in near_duplicate_groups(service, P)]
    assert groups == [[ids[0], ids[1]], [ids[2], ids[3]]]


async def test_one_call_merges_and_supersedes_and_restore_undoes(fake_ollama, service):
    ids = seed(service)
    fake_ollama.script(Reply(text=json.dumps({"merged": [
        {"group": 1, "text": "The user deploys to production on Fridays"},
        {"group": 2, "text": "The main database runs PostgreSQL 16 with a unicorn"},  # invents
        {"group": 9, "text": "no such group"},
    ]})))
    report = await consolidate_step(service, P)
    assert len(fake_ollama.requests_to("/api/chat")) == 1
    assert report.groups == 2 and [m.id for m in report.merged] == [ids[1]]
    assert report.superseded == [ids[0]]
    assert service.get(ids[0]).superseded_by == ids[1]
    assert service.get(ids[2]).status == service.get(ids[3]).status == "active"
    service.restore(ids[0])
    assert service.get(ids[0]).status == "active"
    await service.workbench.pool.aclose()


async def test_without_a_model_it_still_archives_and_says_why(service):
    ids = seed(service)
    report = await consolidate_step(service, P, archive_days=1)
    assert report.error and report.merged == []
    assert report.archived == []  # nothing is a day old yet
    assert all(service.get(i).status == "active" for i in ids)


def test_the_command_reports_json(fake_ollama, capsys):
    for text in ("Uses black for formatting", "Uses black for code formatting"):
        assert main(["memory", "add", text, "--persona", P]) == 0
    fake_ollama.script(Reply(text=json.dumps({"merged": [
        {"group": 1, "text": "Uses black for code formatting"}]})))
    capsys.readouterr()
    assert main(["memory", "consolidate", "--persona", P, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["groups"] == 1 and report["superseded"] == [1]
    assert main(["memory", "consolidate", "--persona", P, "--days", "0"]) == 2
