"""Memory retrieval on LoCoMo: hit@1/5/10 per question category, and latency at 100k memories.

LoCoMo (10 long conversations, 1,986 questions whose evidence names the dialogue turns that
answer them) is read from the shared data directory, never copied. Each conversation is
one persona's memory: every turn becomes a memory (speaker, text, and the caption of a
shared photo), stored through memory/memories.py (FTS5, porter stemming) as Ingle stores
them. A question hits at k when an evidence turn is among the k memories retrieved.

Rankers: the plain FTS5 baseline (every word of the question, unstemmed index, as first
measured: hit@5 0.600), Ingle's BM25 (stemmed, stop words dropped: the default), and BM25
re-ranked with embeddings when an Ollama embedding model answers (--embed
ollama:nomic-embed-text; the blend's weight is --weight). Latency: the default retrieval's
p50/p95 over the questions, at 100k memories of one persona (LoCoMo's turns repeated with
a distinguishing word), against the same at LoCoMo's own size.

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingle.core.memories.retrieve import embedder_for, retrieve  # noqa: E402
from ingle.memory import memories as rows  # noqa: E402
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


def latency_at(size: int, conversations: list[dict], qs: list[tuple[str, dict]]) -> list[float]:
    """Retrieval times (s) with `size` memories in one persona."""
    texts = [t for c in conversations for _, t in turns_of(c)]
    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "state.db")
        stamp = time.time()
        batch = []
        for i in range(size):
            text = f"{texts[i % len(texts)]} ({rng.choice(texts).split()[4]} {i})"
            batch.append({"persona": "big", "repo": "", "kind": "fact", "text": text,
                          "norm_hash": rows.norm_hash(text), "source_turn": "", "status": "active",
                          "pinned": 0, "use_count": 0, "valid_from": stamp, "created_at": stamp,
                          "updated_at": stamp, "embedding_model": "", "embedding_dim": 0})
        with store.db.conn:
            store.db[rows.TABLE].insert_all(batch, batch_size=2000)
        sample = qs[:: max(len(qs) // 400, 1)]
        times = []
        for _, qa in sample:
            started = time.perf_counter()
            asyncio.run(retrieve(store, "big", qa["question"], k=5))
            times.append(time.perf_counter() - started)
        store.close()
    return times


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
        ranked, times = asyncio.run(ranked_default(store, ids, qs, None, 0.0))
        default = score(ranked, qs)
        print_table("Ingle BM25 (FTS5, porter stemming, stop words dropped): the default",
                    default, counts)
        small_p50 = statistics.median(times) * 1000
        embedded = None
        if args.embed != "none":
            embedded = asyncio.run(_embedded(store, ids, qs, args.embed, args.weight))
            if embedded is not None:
                print_table(f"BM25 + {args.embed} (weight {args.weight})", embedded, counts)
        else:
            print("\nembeddings: not measured (no embedding model given: --embed ollama:MODEL)")
        store.close()

    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores while measuring")
    print(f"\ndefault hit@5: {default['all'][1]:.3f} (target >= 0.60; baseline "
          f"{base['all'][1]:.3f}, {default['all'][1] / base['all'][1]:.2f}x)")
    print(f"latency at LoCoMo's size (about 600 memories per persona): p50 {small_p50:.2f} ms")
    print(f"filling {args.latency_size:,} memories of one persona...", flush=True)
    big = latency_at(args.latency_size, conversations, qs)
    p50, p95 = statistics.median(big) * 1000, statistics.quantiles(big, n=20)[-1] * 1000
    print(f"latency at {args.latency_size:,} memories: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
          f"(target p50 < 5 ms; {p50 / small_p50:.1f}x the small store)")
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
