"""Memory search on a big store: restricted to one persona inside FTS5, two stages past a
postings budget, and an index that counting a memory's use does not rewrite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from ingle.memory import memories as rows
from ingle.memory.memory_search import search
from ingle.memory.migrations import MIGRATIONS
from ingle.memory.store import Store

FILLER = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]


def fill(store: Store, persona: str, texts: list[str]) -> list[int]:
    return [rows.insert_memory(store, rows.NewMemory(persona=persona, text=t)).id for t in texts]


def test_search_sees_only_its_persona_even_when_others_hold_most_matches(tmp_path):
    store = Store(tmp_path / "state.db")
    fill(store, "other", [f"the deploy runs on friday {w} {n}" for n in range(60) for w in FILLER[:2]])
    mine = fill(store, "mine", ["we deploy on friday after lunch", "coffee is a flat white"])
    for budget in ({}, {"full_score_postings": 0, "rare_postings": 1}):
        hits = search(store, "mine", "when do we deploy on friday", limit=5, **budget)
        assert [h.memory.id for h in hits] == [mine[0]], budget
    assert search(store, "nobody", "deploy friday") == []
    store.close()


def test_the_two_stages_find_what_full_scoring_finds(tmp_path):
    store = Store(tmp_path / "state.db")
    # "project" is common, "kubernetes" and "helm" are rare: the first stage starts from
    # the rare words, the common word's share is added to those candidates only.
    texts = [f"project note {w} {n}" for n in range(40) for w in FILLER]
    texts += ["the project deploys with kubernetes", "kubernetes project project helm charts",
              "helm is used for kubernetes"]
    fill(store, "p", texts)
    full = search(store, "p", "project kubernetes helm", limit=3, full_score_postings=10**9)
    quick = search(store, "p", "project kubernetes helm", limit=3, full_score_postings=10,
                   rare_postings=5)
    assert {h.memory.text for h in quick} == {h.memory.text for h in full}
    assert quick[0].memory.text == full[0].memory.text == "kubernetes project project helm charts"
    store.close()


def test_a_persona_with_few_rare_matches_widens_to_more_words(tmp_path):
    store = Store(tmp_path / "state.db")
    fill(store, "big", [f"project {w} {n}" for n in range(50) for w in FILLER])
    (only,) = fill(store, "small", ["the project uses nix"])
    hits = search(store, "small", "project setup with nix flakes", limit=5,
                  full_score_postings=1, rare_postings=1)
    assert [h.memory.id for h in hits] == [only]
    store.close()


def test_counting_use_does_not_rewrite_the_index(tmp_path):
    store = Store(tmp_path / "state.db")
    ids = fill(store, "p", ["likes tabs", "uses zsh", "runs arch linux"])
    segments = store.db.execute("SELECT COUNT(*), SUM(LENGTH(block)) FROM memories_fts_data").fetchone()
    rows.mark_used(store, ids)
    assert store.db.execute("SELECT COUNT(*), SUM(LENGTH(block)) FROM memories_fts_data").fetchone() == segments
    rows.update_memory(store, ids[1], "edit", {"text": "uses fish"})
    assert [h.memory.id for h in search(store, "p", "fish shell")] == [ids[1]]
    assert search(store, "p", "zsh") == []
    store.close()


def test_an_older_store_is_reindexed_by_persona_on_upgrade(tmp_path):
    path = tmp_path / "state.db"
    db = sqlite_utils.Database(sqlite3.connect(path))
    before = [m.__name__ for m in MIGRATIONS].index("_v17_memories_fts_by_persona")
    for migration in MIGRATIONS[:before]:
        migration(db)
    db.execute(f"PRAGMA user_version = {before}")
    stamp = 1.0
    for persona, text in [("a", "the cat sat"), ("b", "the cat ran"), ("a", "dogs bark")]:
        db["memories"].insert({"persona": persona, "text": text, "status": "active", "pinned": 0,
                               "use_count": 0, "valid_from": stamp, "created_at": stamp,
                               "updated_at": stamp, "repo": "", "kind": "fact"})
    db.conn.commit()
    db.conn.close()
    store = Store(Path(path))
    assert [h.memory.text for h in search(store, "a", "cat")] == ["the cat sat"]
    assert [h.memory.text for h in search(store, "b", "cats")] == ["the cat ran"]
    fill(store, "a", ["cats purr"])
    assert {h.memory.text for h in search(store, "a", "cat")} == {"the cat sat", "cats purr"}
    store.close()
