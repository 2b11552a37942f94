"""Memory retrieval on LoCoMo: hit@1/5/10 per question category, and latency at 100k memories.

LoCoMo (10 long conversations, 1,986 questions whose evidence names the dialogue turns that
answer them) is read from the shared data directory, never copied. Each conversation is
one persona's memory: every turn becomes a memory (speaker, text, and the caption of a
shared photo), stored through memory/memories.py (FTS5, porter stemming) as Ingle stores
them. A question hits at k when an evidence turn is among the k memories retrieved.

Rankers: the plain FTS5 baseline (every word of the question, unstemmed index, as first
measured: hit@5 0.600), Ingle's BM25 (stemmed, stop words dropped: the default), and BM25
re-ranked with embeddings when an Ollama embedding model answers (--embed
ollama:nomic-embed-text; the blend's weight is --weight).

Latency: the default retrieval's p50/p95 at LoCoMo's size, at 100k memories in one
persona, and at 100k over ten personas; in the big stores the persona asked holds all of
LoCoMo's turns among distractors (halves of two turns joined), so hit@5 is printed there
too, for Ingle's two-stage search (memory/memory_search.py) and for full BM25 scoring.
Each latency comes with a baseline measured in the same run, question by question: one
bare FTS5 query with every word OR-ed, ordered by bm25(), and the ratio.

    .venv/bin/python benchmarks/bench_memory_locomo.py [--embed ollama:MODEL] [--weight 0.2]
        [--data PATH] [--latency-size 100000]

Target (issue 19): default hit@5 >= 0.60; retrieval p50 < 5 ms at 100k. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingle.core.memories.retrieve import embedder_for, retrieve  # noqa: E402
from ingle.memory import memories as rows  # noqa: E402
from ingle.memory.memory_search import ID_MASK, search  # noqa: E402
from ingle.memory.store import Store  # noqa: E402

DATA = Path("/work/shared/data/locomo/locomo10.zip")
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop", 5: "adversarial"}
KS = (1, 5, 10)


def load(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".json"))
        return [json.loads(archive.read(n)) for n in names]


def turns_of(conversation: dict) -> list[tuple[str, str]]:
    """(dia_id, memory text) for every turn of every session. A memory carries its date
    (Ingle's write path makes every date absolute) and what a shared photo shows."""
    out = []
    for key, value in conversation.items():
        if re.fullmatch(r"session_\d+", key):
            date = str(conversation.get(f"{key}_date_time", "")).split(" on ")[-1]
            for turn in value:
                text = f"On {date}, {turn['speaker']}: {turn.get('text', '')}"
                if turn.get("blip_caption"):
                    text += f" [shares {turn['blip_caption']}"
                    text += f": {turn['query']}]" if turn.get("query") else "]"
                out.append((turn["dia_id"], text))
    return out


def fill(store: Store, conversations: list[dict]) -> dict[int, str]:
    """Every turn as a memory of persona conv-N; memory id -> dia_id."""
    ids: dict[int, str] = {}
    for n, conversation in enumerate(conversations):
        for dia_id, text in turns_of(conversation):
            row = rows.insert_memory(store, rows.NewMemory(persona=f"conv-{n}", text=text[:2000]))
            ids[row.id] = dia_id
    return ids


class PlainFts:
    """The baseline: an unstemmed FTS5 table, every word of the question OR-ed."""

    def __init__(self, conversations: list[dict]) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE t USING fts5(persona UNINDEXED, dia UNINDEXED, text)")
        for n, conversation in enumerate(conversations):
            self.db.executemany("INSERT INTO t VALUES (?, ?, ?)",
                                [(f"conv-{n}", d, t) for d, t in turns_of(conversation)])

    def search(self, persona: str, question: str, k: int) -> list[str]:
        words = re.findall(r"\w+", question.lower())
        query = " OR ".join(f'"{w}"' for w in words)
        found = self.db.execute("SELECT dia FROM t WHERE t MATCH ? AND persona = ? "
                                "ORDER BY bm25(t) LIMIT ?", [query, persona, k]).fetchall()
        return [d for (d,) in found]


def questions(conversations: list[dict]) -> list[tuple[str, dict]]:
    return [(f"conv-{n}", qa) for n, c in enumerate(conversations) for qa in c["qa"]
            if qa.get("evidence")]


def score(ranked: dict[int, list[str]], qs: list[tuple[str, dict]]) -> dict[str, list[float]]:
    by_category: dict[str, list[list[bool]]] = defaultdict(list)
    for i, (_, qa) in enumerate(qs):
        evidence = set(qa["evidence"])
        hits = [bool(evidence & set(ranked[i][:k])) for k in KS]
        by_category[CATEGORIES.get(qa["category"], str(qa["category"]))].append(hits)
        by_category["all"].append(hits)
    return {c: [sum(h[j] for h in v) / len(v) for j in range(len(KS))] for c, v in by_category.items()}


def print_table(title: str, result: dict[str, list[float]], counts: dict[str, int]) -> None:
    print(f"\n{title}")
    print(f"  {'category':<12} {'n':>5}  " + "  ".join(f"hit@{k:<3}" for k in KS))
    for category in [*CATEGORIES.values(), "all"]:
        if category in result:
            figures = "  ".join(f"{v:7.3f}" for v in result[category])
            print(f"  {category:<12} {counts[category]:>5}  {figures}")


async def ranked_default(store: Store, ids: dict[int, str], qs: list[tuple[str, dict]],
                         embedder: object | None, weight: float) -> tuple[dict[int, list[str]], list[float]]:
    ranked, times = {}, []
    for i, (persona, qa) in enumerate(qs):
        started = time.perf_counter()
        found = await retrieve(store, persona, qa["question"], k=10, embedder=embedder,  # type: ignore[arg-type]
                               weight=weight)
        times.append(time.perf_counter() - started)
        ranked[i] = [ids[s.memory.id] for s in found]
    return ranked, times


def bare_fts(store: Store, persona: str, question: str, k: int) -> list[int]:
    """The latency baseline: ONE FTS5 query, every content word OR-ed, ORDER BY bm25()
    LIMIT k, the persona's rows kept by a join (a memory store without Ingle's planning)."""
    words = " OR ".join(f'"{w}"' for w in dict.fromkeys(rows.content_words(question)))
    if not words:
        return []
    found = store.db.execute(
        f"SELECT m.id FROM {rows.FTS} CROSS JOIN {rows.TABLE} m ON m.id = ({rows.FTS}.rowid & {ID_MASK}) "
        f"WHERE {rows.FTS} MATCH ? AND m.persona = ? AND m.status = 'active' "
        f"ORDER BY bm25({rows.FTS}) LIMIT ?", [words, persona, k]).fetchall()
    return [i for (i,) in found]


def big_store(path: Path, size: int, personas: int,
              conversations: list[dict]) -> tuple[Store, dict[int, tuple[int, str]]]:
    """`size` memories over `personas` personas named big-0, big-1, ... of equal size.
    big-0 holds every LoCoMo turn (so its questions can be scored) among distractors: each
    the first half of a LoCoMo turn and the second half of a random one (LoCoMo's words, as
    often as LoCoMo uses them, none an exact copy). Returns memory id -> (conversation, dia_id)."""
    real = [(n, dia, text) for n, c in enumerate(conversations) for dia, text in turns_of(c)]
    texts = [text for _, _, text in real]
    rng = random.Random(19)
    store = Store(path)
    stamp = time.time()
    each = size // personas
    owners = ["big-0"] * (each - len(real)) + [f"big-{p}" for p in range(1, personas) for _ in range(each)]
    rng.shuffle(owners)
    batch = [("big-0", text) for _, _, text in real]
    for i, persona in enumerate(owners):
        head, tail = texts[i % len(texts)].split(), rng.choice(texts).split()
        batch.append((persona, " ".join(head[: len(head) // 2] + tail[len(tail) // 2:])))
    with store.db.conn:
        store.db[rows.TABLE].insert_all(
            ({"persona": persona, "repo": "", "kind": "fact", "text": text,
              "norm_hash": rows.norm_hash(text), "source_turn": "", "status": "active",
              "pinned": 0, "use_count": 0, "valid_from": stamp, "created_at": stamp,
              "updated_at": stamp, "embedding_model": "", "embedding_dim": 0}
             for persona, text in batch), batch_size=2000)
    return store, {i + 1: (n, dia) for i, (n, dia, _) in enumerate(real)}


async def latency_at(store: Store, asked: list[tuple[str, str, set]],
                     label: Callable[[int], object]) -> dict[str, float]:
    """Ingle's retrieval (k=5, in one event loop as in the app) against the bare FTS5
    baseline, interleaved question by question so that load hits both alike; hit@5 of
    Ingle's retrieval and of full BM25 scoring (no two-stage shortcut) over the same
    questions (`label` names a memory as the evidence does)."""
    sample = asked[:: max(len(asked) // 400, 1)]
    ours, bare, hit, hit_full = [], [], [], []
    for persona, question, evidence in sample:
        started = time.perf_counter()
        found = await retrieve(store, persona, question, k=5)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        bare_fts(store, persona, question, 5)
        bare.append(time.perf_counter() - started)
        full = search(store, persona, question, limit=5, full_score_postings=10**12)
        hit.append(bool(evidence & {label(s.memory.id) for s in found}))
        hit_full.append(bool(evidence & {label(h.memory.id) for h in full}))
    ms = [t * 1000 for t in ours]
    base = [t * 1000 for t in bare]
    return {"p50": statistics.median(ms), "p95": statistics.quantiles(ms, n=20)[-1],
            "base_p50": statistics.median(base), "base_p95": statistics.quantiles(base, n=20)[-1],
            "hit": statistics.mean(hit), "hit_full": statistics.mean(hit_full), "n": len(sample)}


def print_latency(title: str, figures: dict[str, float]) -> None:
    print(f"{title}: p50 {figures['p50']:.2f} ms, p95 {figures['p95']:.2f} ms "
          f"(target p50 < 5 ms); bare FTS5 query p50 {figures['base_p50']:.2f} ms, "
          f"p95 {figures['base_p95']:.2f} ms; ratio {figures['p50'] / figures['base_p50']:.2f}x; "
          f"hit@5 {figures['hit']:.3f} (full BM25 scoring: {figures['hit_full']:.3f}; "
          f"{figures['n']:.0f} questions)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--embed", default="none", help="none, ollama:MODEL or local:MODEL")
    parser.add_argument("--weight", type=float, default=0.2)
    parser.add_argument("--latency-size", type=int, default=100_000)
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"LoCoMo not found at {args.data} (pass --data PATH)", file=sys.stderr)
        return 2
    conversations = load(args.data)
    qs = questions(conversations)
    counts: dict[str, int] = defaultdict(int)
    for _, qa in qs:
        counts[CATEGORIES.get(qa["category"], str(qa["category"]))] += 1
        counts["all"] += 1
    print(f"LoCoMo: {len(conversations)} conversations, "
          f"{sum(len(turns_of(c)) for c in conversations)} turns, {len(qs)} questions with evidence")

    plain = PlainFts(conversations)
    base = score({i: plain.search(p, qa["question"], 10) for i, (p, qa) in enumerate(qs)}, qs)
    print_table("plain FTS5 BM25 (unstemmed, every word): the baseline", base, counts)

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "state.db")
        ids = fill(store, conversations)
        ranked, _ = asyncio.run(ranked_default(store, ids, qs, None, 0.0))
        default = score(ranked, qs)
        print_table("Ingle BM25 (FTS5, porter stemming, stop words dropped): the default",
                    default, counts)
        embedded = None
        if args.embed != "none":
            embedded = asyncio.run(_embedded(store, ids, qs, args.embed, args.weight))
            if embedded is not None:
                print_table(f"BM25 + {args.embed} (weight {args.weight})", embedded, counts)
        else:
            print("\nembeddings: not measured (no embedding model given: --embed ollama:MODEL)")
        small = asyncio.run(latency_at(
            store, [(p, qa["question"], set(qa["evidence"])) for p, qa in qs], lambda i: ids[i]))
        store.close()

    print(f"\ndefault hit@5: {default['all'][1]:.3f} (target >= 0.60; baseline "
          f"{base['all'][1]:.3f}, {default['all'][1] / base['all'][1]:.2f}x)")
    print("\nretrieval latency (k=5, in one event loop; the baseline is one FTS5 query with every "
          "word OR-ed and ORDER BY bm25(), measured in the same loop, question by question)")
    print_latency("LoCoMo's size (about 600 memories per persona)", small)
    asked = [("big-0", qa["question"], {(int(p.split("-")[1]), e) for e in qa["evidence"]})
             for p, qa in qs]
    for personas in (1, 10):
        with tempfile.TemporaryDirectory() as tmp:
            print(f"filling {args.latency_size:,} memories over {personas} persona(s)...", flush=True)
            store, labels = big_store(Path(tmp) / "state.db", args.latency_size, personas,
                                      conversations)
            figures = asyncio.run(latency_at(store, asked, lambda i: labels.get(i)))
            store.close()
        share = ("in one persona" if personas == 1 else
                 f"over {personas} personas (the one asked holds {args.latency_size // personas:,})")
        print_latency(f"{args.latency_size:,} memories {share}, LoCoMo's turns among them", figures)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring")
    return 0


async def _embedded(store: Store, ids: dict[int, str], qs: list[tuple[str, dict]], spec: str,
                    weight: float) -> dict[str, list[float]] | None:
    from ingle.core.backends.registry import open_backend
    from ingle.core.config.loader import load_config

    settings = load_config().settings
    backends: dict[str, object] = {}

    def backend_of(endpoint: str | None) -> object:
        name = endpoint or "local"
        if name not in backends:
            backends[name] = open_backend(settings, name)
        return backends[name]

    try:
        embedder = embedder_for(spec, backend_of)
        ranked, _ = await ranked_default(store, ids, qs, embedder, weight)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
        print(f"\nembeddings ({spec}): not available: {str(exc).splitlines()[0]}")
        return None
    finally:
        for backend in backends.values():
            await backend.aclose()  # type: ignore[attr-defined]
    return score(ranked, qs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
