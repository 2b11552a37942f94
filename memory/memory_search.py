"""BM25 search over a persona's memories, fast on a big store.

The FTS5 index holds every persona's memories under rowid (persona number << 40) + memory
id (see the migration), so one persona is one rowid range: FTS5 seeks to it and scores
only that persona's matches (a filter after the MATCH would score everyone's). Scoring is
what costs: FTS5 pays about a microsecond per matching row for bm25() and the sort, so a
question full of common words over 100k memories would score tens of thousands of rows.

Past `full_score_postings` postings, search runs in two stages: candidates come from the
rarer words only (their postings within `rare_postings`, widened when the persona has too
few matches there), and the common words' share of BM25 is then added for those
candidates alone (term counts from a temporary FTS5 table with the same tokenizer, so
the words are stemmed exactly as the index stems them). The benchmark measures how often
the two stages agree with full scoring (benchmarks/bench_memory_locomo.py).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel

from ingle.memory.memories import FTS, TABLE, WORD, MemoryRow, content_words, row_from
from ingle.memory.store import Store

FULL_SCORE_POSTINGS = 4000  # up to this many postings, every match is scored
RARE_POSTINGS = 800  # the first stage's postings budget
WIDEN = 8  # the budget's growth when the persona has too few candidates
CANDIDATES = 30  # first-stage candidates rescored with every word
MAX_TERMS = 32
DF_CACHE_MIN = 200  # document counts worth keeping per connection
PERSONA_SHIFT = 40  # FTS rowid = (persona number << 40) + memory id
ID_MASK = (1 << PERSONA_SHIFT) - 1


class Hit(BaseModel):
    memory: MemoryRow
    bm25: float  # FTS5's bm25(): lower is better; negated into `score`

    @property
    def score(self) -> float:
        return -self.bm25


def persona_span(store: Store, persona: str) -> tuple[int, int, int] | None:
    """The FTS rowids of `persona`'s memories (first, last) and how many it has (None:
    it has none)."""
    found = store.db.execute("SELECT id, size FROM memory_personas WHERE name = ?",
                             [persona]).fetchone()
    if found is None:
        return None
    first = int(found[0]) << PERSONA_SHIFT
    return first, first + ID_MASK, int(found[1])


def _scratch(store: Store) -> None:
    """A temporary FTS5 table with the index's tokenizer, to stem words exactly as the index
    does and count terms in a few texts (contentless: 'delete-all' empties it at once)."""
    db = store.db
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.memory_query "
               "USING fts5(text, content='', tokenize='porter unicode61')")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.memory_query_terms "
               "USING fts5vocab(temp, memory_query, instance)")
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.memory_vocab USING fts5vocab(main, {FTS}, row)")
    db.execute("CREATE TABLE IF NOT EXISTS temp.memory_df "
               "(term TEXT PRIMARY KEY, doc INTEGER NOT NULL, size INTEGER NOT NULL)")


def _clear_scratch(store: Store) -> None:
    store.db.execute("INSERT INTO temp.memory_query(memory_query) VALUES ('delete-all')")


def query_terms(store: Store, query: str, total: int | None = None) -> list[tuple[str, int]]:
    """The stemmed terms of `query` (as the index stems them) with their document counts.

    Counting a word's documents walks its whole posting list (fts5vocab), which is what a
    common word costs; those counts change slowly, so counts of DF_CACHE_MIN or more are
    kept per connection (a temp table) until the store has grown by a tenth. Rare words
    are always counted: cheap, and a new memory can change them a lot."""
    db = store.db
    _scratch(store)
    words = list(dict.fromkeys(content_words(query)))[:MAX_TERMS]
    with db.conn:
        db.execute("INSERT INTO temp.memory_query(rowid, text) VALUES (1, ?)", [" ".join(words)])
        terms = list(dict.fromkeys(t for (t,) in db.execute(
            "SELECT term FROM temp.memory_query_terms ORDER BY offset")))
        _clear_scratch(store)
    if not terms:
        return []
    size = store_size(store) if total is None else total
    marks = ",".join("?" * len(terms))
    counts = dict(db.execute(f"SELECT term, doc FROM temp.memory_df WHERE term IN ({marks}) "
                             "AND size * 11 >= ? * 10", [*terms, size]).fetchall())
    missing = [t for t in terms if t not in counts]
    if missing:
        fresh = db.execute(f"SELECT term, doc FROM temp.memory_vocab WHERE term IN "
                           f"({','.join('?' * len(missing))})", missing).fetchall()
        counts.update(fresh)
        with db.conn:
            db.conn.executemany("INSERT OR REPLACE INTO temp.memory_df VALUES (?, ?, ?)",
                                [(t, n, size) for t, n in fresh if n >= DF_CACHE_MIN])
    return [(t, int(counts.get(t, 0))) for t in terms]


def store_size(store: Store) -> int:
    """Memories ever stored (none is deleted): the N of BM25's IDF, near enough."""
    return int(store.db.execute(f"SELECT COALESCE(MAX(id), 1) FROM {TABLE}").fetchone()[0])


def _match(terms: list[str]) -> str:
    return " OR ".join(f'"{t}"' for t in terms)


def search(store: Store, persona: str, query: str, *, limit: int = 10,
           repo: str | None = None, statuses: tuple[str, ...] = ("active",),
           full_score_postings: int = FULL_SCORE_POSTINGS,
           rare_postings: int = RARE_POSTINGS, candidates: int = CANDIDATES) -> list[Hit]:
    """Memories of `persona` matching any content word of `query`, best BM25 first."""
    found = persona_span(store, persona)
    total = store_size(store)
    terms = [(t, n) for t, n in query_terms(store, query, total) if n > 0] if found else []
    if found is None or not terms:
        return []
    span, share = found[:2], min(found[2] / total, 1.0)
    where = f"m.status IN ({','.join('?' * len(statuses))})"
    args: list[Any] = [*statuses]
    if repo is not None:
        where += " AND m.repo IN ('', ?)"
        args.append(repo)
    # Postings are counted over every persona; this persona's share is what gets scored.
    ordered = sorted(((t, n * share) for t, n in terms), key=lambda x: x[1])
    budget = rare_postings if sum(n for _, n in ordered) > full_score_postings else math.inf
    while True:
        rare: list[str] = []
        postings = 0.0
        for term, count in ordered:
            if rare and postings + count > budget:
                break
            rare.append(term)
            postings += count
        if len(rare) == len(ordered):  # every word: BM25 as FTS5 computes it
            return _rows(store, _scored(store, _match(rare), span, where, args, limit))
        first = _scored(store, _match(rare), span, where, args, candidates)
        if len(first) >= min(limit, candidates):
            break
        budget *= WIDEN  # the persona has few matches for the rare words: use more words
    common = {t: n for t, n in terms if t not in rare}
    extra = _common_share(store, {i: text for i, text, _ in first}, common, total)
    rescored = sorted(((i, text, bm25 - extra.get(i, 0.0)) for i, text, bm25 in first),
                      key=lambda x: x[2])
    return _rows(store, rescored[:limit])


def _scored(store: Store, match: str, span: tuple[int, ...], where: str, args: list[Any],
            limit: int) -> list[tuple[int, str, float]]:
    """(id, text, bm25) of the persona's best matches. CROSS JOIN keeps FTS5 in the
    outer loop, so the rowid range drives the lookups."""
    return store.db.execute(
        f"SELECT m.id, m.text, bm25({FTS}) AS _bm25 FROM {FTS} "
        f"CROSS JOIN {TABLE} m ON m.id = ({FTS}.rowid & {ID_MASK}) "
        f"WHERE {FTS} MATCH ? AND {FTS}.rowid BETWEEN ? AND ? AND {where} "
        "ORDER BY _bm25 LIMIT ?", [match, *span, *args, limit]).fetchall()


def _rows(store: Store, scored: list[tuple[int, str, float]]) -> list[Hit]:
    if not scored:
        return []
    cursor = store.db.execute(
        f"SELECT * FROM {TABLE} WHERE id IN ({','.join('?' * len(scored))})", [i for i, _, _ in scored])
    names = [c[0] for c in cursor.description]
    by_id = {values[0]: row_from(dict(zip(names, values))) for values in cursor.fetchall()}
    return [Hit(memory=by_id[i], bm25=bm25) for i, _, bm25 in scored]


def _common_share(store: Store, found: dict[int, str], common: dict[str, int],
                  total: int) -> dict[int, float]:
    """The BM25 the common words add to each candidate (k1 = 1.2, b = 0.75, as FTS5)."""
    if not common or not found:
        return {}
    db = store.db
    with db.conn:
        db.conn.executemany("INSERT INTO temp.memory_query(rowid, text) VALUES (?, ?)",
                            list(found.items()))
        counts = db.execute(
            f"SELECT doc, term, COUNT(*) FROM temp.memory_query_terms "
            f"WHERE term IN ({','.join('?' * len(common))}) GROUP BY doc, term", list(common)
        ).fetchall()
        _clear_scratch(store)
    # Lengths in words as unicode61 splits them (close enough for length normalisation).
    lengths = {i: len(WORD.findall(text)) for i, text in found.items()}
    average = sum(lengths.values()) / max(len(lengths), 1)
    share: dict[int, float] = {}
    for doc, term, tf in counts:
        df = common[term]
        idf = max(math.log((total - df + 0.5) / (df + 0.5)), 1e-6)
        norm = 1.2 * (0.25 + 0.75 * lengths.get(doc, average) / (average or 1))
        share[doc] = share.get(doc, 0.0) + idf * tf * 2.2 / (tf + norm)
    return share
