"""The memory store through MemoryService: fields, history, supersede and undo, caps, search."""

from __future__ import annotations

import pytest

from ingle.core.errors import NotFound, UsageError
from ingle.core.memories.events import MemoryChanged
from ingle.core.memories.models import MemoryLimits
from ingle.core.memories.service import MemoryService
from ingle.memory import memories as rows

P = "my-coder"


def test_a_memory_has_every_field_and_its_add_is_in_history(service):
    result = service.add(P, "  The user   works on the billing service ", kind="fact",
                         source_turn="turn-1")
    m = result.memory
    assert result.created and m.id > 0
    assert (m.persona, m.text, m.kind, m.status, m.source_turn) == (
        P, "The user works on the billing service", "fact", "active", "turn-1")
    assert m.norm_hash == rows.norm_hash("the user WORKS on the billing service!")
    assert (m.pinned, m.use_count, m.last_used_at, m.superseded_by) == (False, 0, None, None)
    assert m.valid_from > 0 and m.embedding is None and m.embedding_dim == 0
    (entry,) = service.history(memory_id=m.id)
    assert (entry.op, entry.actor, entry.new["text"]) == ("add", "user", m.text)


def test_the_same_memory_twice_is_kept_once(service):
    first = service.add(P, "Prefers pytest over unittest")
    again = service.add(P, "prefers PYTEST over unittest.")
    assert not again.created and again.memory.id == first.memory.id
    assert len(service.list(P)) == 1
    other = service.add("my-writer", "Prefers pytest over unittest")
    assert other.created  # memories are per persona


def test_supersede_chains_keep_every_version_and_restore_undoes(service):
    a = service.add(P, "The API runs on port 8000").memory
    b = service.supersede(a.id, "The API runs on port 8080", actor="model:my-summarizer").memory
    c = service.supersede(b.id, "The API runs on port 9090").memory
    assert [m.id for m in service.list(P)] == [c.id]
    everything = {m.id: m for m in service.list(P, include_all=True)}
    assert everything[a.id].status == "superseded" and everything[a.id].superseded_by == b.id
    assert everything[b.id].status == "superseded" and everything[b.id].superseded_by == c.id
    ops = [(e.memory_id, e.op, e.actor) for e in service.history(persona=P)]
    assert (a.id, "supersede", "model:my-summarizer") in ops
    assert (b.id, "supersede", "user") in ops
    # undo the last change of mind: bring b back and forget c
    service.forget(c.id)
    restored = service.restore(b.id)
    assert restored.status == "active" and restored.superseded_by is None
    assert [m.text for m in service.list(P)] == ["The API runs on port 8080"]
    # nothing was ever deleted
    assert len(service.list(P, include_all=True)) == 3


def test_history_is_append_only(service):
    m = service.add(P, "Uses Python 3.12").memory
    service.forget(m.id)
    service.restore(m.id)
    service.pin(m.id)
    service.pin(m.id, False)
    ops = [e.op for e in service.history(memory_id=m.id)]
    assert ops == ["unpin", "pin", "restore", "forget", "add"]
    forget = service.history(memory_id=m.id)[3]
    assert forget.old == {"status": "active"} and forget.new == {"status": "archived"}


def test_forget_restore_and_unknown_ids_say_what_to_do(service):
    m = service.add(P, "Works in UTC").memory
    service.forget(m.id)
    with pytest.raises(UsageError, match="already forgotten"):
        service.forget(m.id)
    service.restore(m.id)
    with pytest.raises(UsageError, match="already active"):
        service.restore(m.id)
    with pytest.raises(NotFound, match="no memory #999"):
        service.forget(999)


def test_restore_refuses_to_make_a_duplicate_active(service):
    a = service.add(P, "Team standup is at 9").memory
    service.forget(a.id)
    b = service.add(P, "Team standup is at 9").memory
    assert b.id != a.id
    with pytest.raises(UsageError, match=f"active memory #{b.id}"):
        service.restore(a.id)


def test_core_block_has_a_hard_character_budget(workbench):
    service = MemoryService(workbench, MemoryLimits(core_chars=100))
    service.add(P, "x" * 60, pinned=True)
    with pytest.raises(UsageError, match="over its budget of 100"):
        service.add(P, "y" * 50, pinned=True)
    loose = service.add(P, "z" * 30).memory
    service.pin(loose.id)
    block = service.core_block(P)
    assert block.fill == "90/100 chars" and len(block.memories) == 2
    assert "y" * 50 not in [m.text for m in service.list(P)]


def test_count_cap_archives_the_least_used_never_deletes(workbench):
    service = MemoryService(workbench, MemoryLimits(max_count=3))
    ids = [service.add(P, f"fact number {word}").memory.id for word in ("one", "two", "three")]
    rows.mark_used(service.store, [ids[0]])
    result = service.add(P, "fact number four")
    assert result.archived == [ids[1]]  # never used and oldest
    assert len(service.list(P)) == 3
    archived = service.get(ids[1])
    assert archived.status == "archived"
    assert service.history(memory_id=ids[1])[0].actor == "system:cap"


def test_long_or_empty_memories_are_refused(service):
    with pytest.raises(UsageError, match="cannot be empty"):
        service.add(P, "   ")
    with pytest.raises(UsageError, match="at most 400 characters"):
        service.add(P, "word " * 100)
    with pytest.raises(UsageError, match="unknown memory kind"):
        service.add(P, "fine", kind="opinion")


def test_search_ranks_by_bm25_with_stemming_and_ignores_fts_syntax(service):
    service.add(P, "The user deploys with Kubernetes on Fridays")
    service.add(P, "Coffee order: flat white")
    service.add(P, "The database is PostgreSQL 16")
    results = service.search(P, 'when does "deploy" happen? AND OR NEAR(')
    assert [s.memory.text for s in results] == ["The user deploys with Kubernetes on Fridays"]
    with pytest.raises(UsageError, match="nothing to search for"):
        service.search(P, "the and of")


def test_archive_unused_after_n_days_spares_used_and_pinned(service):
    old_unused = service.add(P, "Old fact never used").memory
    used = service.add(P, "Old fact that was shown").memory
    pinned = service.add(P, "Pinned old fact", pinned=True).memory
    rows.mark_used(service.store, [used.id])
    later = old_unused.created_at + 91 * 86400
    assert service.archive_unused(P, days=90, at=later) == [old_unused.id]
    assert service.get(pinned.id).status == "active"
    assert service.archive_unused(P, days=90, at=old_unused.created_at + 10) == []


async def test_changes_are_published_on_the_bus(service, workbench):
    async with workbench.bus.subscribe(MemoryChanged) as events:
        m = service.add(P, "Likes short answers").memory
        service.forget(m.id)
        seen = [events.get_nowait(), events.get_nowait()]
    assert [(e.op, e.memory_id) for e in seen] == [("add", m.id), ("forget", m.id)]


def test_export_is_markdown_grouped_by_kind(service):
    service.add(P, "Always run ruff before committing", kind="procedure")
    service.add(P, "Prefers British spelling", kind="preference", pinned=True)
    service.add(P, "The repo uses uv", kind="fact")
    text = service.export_markdown(P)
    assert text.startswith(f"# Memory of {P}\n")
    assert "## Core\n\n- Prefers British spelling\n" in text
    assert "## Facts\n\n- The repo uses uv\n" in text
    assert "## Procedures\n\n- Always run ruff before committing\n" in text
