"""Rank a repository's definitions by how the rest of the code uses them.

Aider's scheme: files are nodes; an identifier defined in file D and referenced from file R
is an edge R -> D weighted by how telling the identifier is and how often R uses it;
PageRank personalised towards the files in the chat (and the files the user's message
points at) scores the files, and each file's score flows along its edges to the
definitions it uses.

Computed without building that multigraph. An edge's weight depends only on the
referencing file and the identifier, never on which file defines it, so the flow into
every definer of identifier i is one sum S_i over i's referencers. A power-iteration step
is then linear in the number of (file, identifier) pairs, where the multigraph has
referencers x definers edges per identifier (millions on a large repository). The pairs
sit in flat lists grouped by identifier (and by file), and segment sums come from prefix
sums, so each step runs as a handful of C-level passes instead of a Python loop per node.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter, mul, sub

from ingle.core.repomap.tags import FileTags

DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-6  # per node, on the L1 change between steps (networkx's default)
UNREFERENCED_SELF_WEIGHT = 0.1  # keeps a file whose definitions nobody uses in the graph
COMMON_DEFINERS = 5  # an identifier defined in more files than this says little
MENTIONED_FACTOR = 10.0  # uses of an identifier the message names weigh this much more
MENTIONED_BONUS = 1.0  # more than any PageRank share: named definitions lead the map


def looks_like_code(ident: str) -> bool:
    """An identifier no one writes by accident in prose: snake_case, camelCase, PascalCase
    with a second capital, digits (`parse_config`, `RepoMap`, `utf8`), not `column`."""
    return "_" in ident or any(c.isdigit() for c in ident) or any(c.isupper() for c in ident[1:])


def identifier_weight(ident: str, definers: int) -> float:
    """How much one use of `ident` says about the files defining it (Aider's factors;
    a mention in the user's message multiplies this by MENTIONED_FACTOR)."""
    weight = 1.0
    is_compound = any(c.isalpha() for c in ident) and (
        "_" in ident or "-" in ident or (ident.lower() != ident and ident.upper() != ident)
    )
    if is_compound and len(ident) >= 8:
        weight *= 10  # long compound names are specific: parse_config, RepoMapResult
    if ident.startswith("_"):
        weight *= 0.1
    if definers > COMMON_DEFINERS:
        weight *= 0.1
    return weight


@dataclass(frozen=True)
class RankedDefinition:
    path: str
    name: str
    rank: float


@dataclass(frozen=True)
class Ranking:
    definitions: list[RankedDefinition]  # best first, at most the limit asked for
    file_ranks: dict[str, float]  # PageRank of every file
    iterations: int


Gather = Callable[[Sequence[float]], Sequence[float]]


def gatherer(indices: list[int]) -> Gather:
    """values -> [values[i] for i in indices] in one C-level call: operator.itemgetter
    takes half the time of mapping __getitem__ over the indices, and this is the
    innermost loop of ranking. (itemgetter of one index returns a bare item, of none
    raises: those cases go the slow way.)"""
    if len(indices) > 1:
        return itemgetter(*indices)
    return lambda values: [values[i] for i in indices]


@dataclass(frozen=True)
class RefGraph:
    """The reference graph of one state of a repository, independent of any request:
    build it once per change to the files, rank it once per turn."""

    paths: list[str]
    idents: list[str]  # identifiers both defined and referenced
    definers: dict[str, list[int]]  # every defined name -> indices of files defining it
    entry_file: list[int]  # (referencing file, weight) pairs, grouped by identifier
    entry_weight: list[float]
    ident_start: list[int]  # identifier k's pairs are entry_*[ident_start[k]:ident_end[k]]
    ident_end: list[int]
    defined: list[int]  # referenced identifiers each file defines, grouped by file
    defined_file: list[int]  # the file of each entry of `defined`
    file_start: list[int]
    file_end: list[int]
    self_weight: list[float]  # per file: its unreferenced definitions' self-edges
    out_weight: list[float]  # per file: total weight of its out-edges
    unreferenced: list[list[str]]  # per file: names it defines that nobody references
    # The index lists above as gatherers, built once: the power iteration's inner passes.
    pick_entry_file: Gather
    pick_ident_start: Gather
    pick_ident_end: Gather
    pick_defined: Gather
    pick_file_start: Gather
    pick_file_end: Gather

    @classmethod
    def build(cls, files: Mapping[str, FileTags]) -> RefGraph:
        paths = sorted(files)
        definers: dict[str, list[int]] = {}
        for n, path in enumerate(paths):
            for name in dict.fromkeys(files[path].names):
                definers.setdefault(name, []).append(n)

        by_ident: dict[str, list[tuple[int, int]]] = {}
        for n, path in enumerate(paths):
            for ident, count in files[path].refs.items():
                if ident in definers:
                    by_ident.setdefault(ident, []).append((n, count))

        idents = list(by_ident)
        entry_file: list[int] = []
        entry_weight: list[float] = []
        ident_start: list[int] = []
        ident_end: list[int] = []
        out_weight = [0.0] * len(paths)
        for ident in idents:
            fan_out = len(definers[ident])
            base = identifier_weight(ident, fan_out)
            ident_start.append(len(entry_file))
            for n, count in by_ident[ident]:
                weight = base * math.sqrt(count)  # many uses count, but less than linearly
                entry_file.append(n)
                entry_weight.append(weight)
                out_weight[n] += weight * fan_out
            ident_end.append(len(entry_file))

        ident_index = {ident: k for k, ident in enumerate(idents)}
        per_file: list[list[int]] = [[] for _ in paths]
        unreferenced: list[list[str]] = [[] for _ in paths]
        for name, where in definers.items():
            k = ident_index.get(name)
            for n in where:
                if k is None:
                    unreferenced[n].append(name)
                else:
                    per_file[n].append(k)
        self_weight = [UNREFERENCED_SELF_WEIGHT * len(u) for u in unreferenced]
        defined = [k for ks in per_file for k in ks]
        defined_file = [n for n, ks in enumerate(per_file) for _ in ks]
        file_end = list(accumulate(len(ks) for ks in per_file))
        file_start = [0, *file_end[:-1]] if paths else []
        out_weight = [o + s for o, s in zip(out_weight, self_weight)]
        return cls(
            paths, idents, definers, entry_file, entry_weight, ident_start, ident_end,
            defined, defined_file, file_start, file_end, self_weight, out_weight, unreferenced,
            gatherer(entry_file), gatherer(ident_start), gatherer(ident_end),
            gatherer(defined), gatherer(file_start), gatherer(file_end),
        )  # fmt: skip


def chat_scores(graph: RefGraph, chat_files: set[str]) -> list[float]:
    """Converged scores for `chat_files` and an empty message: the `start` for ranking
    later messages with the same chat files."""
    if not graph.paths:
        return []
    personal = _personalisation(graph.paths, set(chat_files))
    return _power_iteration(graph, graph.entry_weight, graph.out_weight, personal, personal)[0]


def rank(
    graph: RefGraph,
    chat_files: set[str],
    mentioned_idents: set[str],
    limit: int,
    start: Sequence[float] | None = None,
) -> Ranking:
    """The `limit` best definitions outside `chat_files`, personalised towards the chat
    files and what `mentioned_idents` point at.

    Where this departs from Aider, and why:
    - A definition the message names (and few files define) leads the map, ahead of
      everything ranked (its rank gets MENTIONED_BONUS): a definition's PageRank flows in
      from the files that use it, so personalising towards it would not rank it at all.
    - A file with no out-edges hands its score to every file, not back to the chat
      files: otherwise a chat file that uses nothing keeps all the score and every
      definition ranks zero.

    `start` is where the power iteration begins (default: the personalisation vector).
    A caller ranking the same chat files turn after turn passes `chat_scores(graph,
    chat_files)`, which a new message perturbs only a little, so it converges in fewer
    steps. Never pass an earlier ranking's result: `chat_scores` is a function of graph
    and chat files alone, which keeps the map a function of the request alone."""
    paths = graph.paths
    if not paths:
        return Ranking([], {}, 0)
    weights, out_weight = _mention_weights(graph, mentioned_idents)
    personal = _personalisation(paths, set(chat_files) | files_named_by(graph, mentioned_idents))
    initial = list(start) if start is not None and len(start) == len(paths) else personal
    scores, iterations = _power_iteration(graph, weights, out_weight, personal, initial)

    coef = [s / o if o else 0.0 for s, o in zip(scores, out_weight)]
    flow = _ident_flow(graph, weights, coef)
    named = {
        ident
        for ident in mentioned_idents
        if looks_like_code(ident) and 0 < len(graph.definers.get(ident, ())) <= COMMON_DEFINERS
    }
    value = flow
    if named:
        value = [f + (MENTIONED_BONUS if i in named else 0.0) for f, i in zip(flow, graph.idents)]
    # One value per (file, identifier it defines), chat files' entries below any rank.
    entry_value = list(graph.pick_defined(value))
    skip = {n for n, path in enumerate(paths) if path in chat_files}
    for n in skip:
        entry_value[graph.file_start[n] : graph.file_end[n]] = [-1.0] * (
            graph.file_end[n] - graph.file_start[n]
        )
    best = heapq.nlargest(limit, range(len(entry_value)), key=entry_value.__getitem__)
    definitions = [
        RankedDefinition(
            paths[graph.defined_file[j]], graph.idents[graph.defined[j]], entry_value[j]
        )
        for j in best
        if entry_value[j] >= 0
    ]
    # Unreferenced definitions rank by their file's self-edge: add the ones that beat the cut.
    floor = definitions[-1].rank if len(definitions) >= limit else -1.0
    for n, names in enumerate(graph.unreferenced):
        if n in skip:
            continue
        own = coef[n] * UNREFERENCED_SELF_WEIGHT
        for name in names:
            score = own + (MENTIONED_BONUS if name in named else 0.0)
            if score > floor:
                definitions.append(RankedDefinition(paths[n], name, score))
    definitions.sort(key=lambda d: (-d.rank, d.path, d.name))
    return Ranking(definitions[:limit], dict(zip(paths, scores)), iterations)


def files_named_by(graph: RefGraph, mentioned: set[str]) -> set[str]:
    """Files a message names: by file name, stem or directory (`repomap`, `core`)."""
    if not mentioned:
        return set()
    named: set[str] = set()
    for path in graph.paths:
        parts = path.split("/")
        stem = parts[-1].rsplit(".", 1)[0]
        if stem in mentioned or parts[-1] in mentioned or not mentioned.isdisjoint(parts[:-1]):
            named.add(path)
    return named


def _mention_weights(graph: RefGraph, mentioned: set[str]) -> tuple[list[float], list[float]]:
    """Edge weights with uses of mentioned identifiers boosted (copies; the graph stays)."""
    hits = [k for k, ident in enumerate(graph.idents) if ident in mentioned] if mentioned else []
    if not hits:
        return graph.entry_weight, graph.out_weight
    weights = list(graph.entry_weight)
    out_weight = list(graph.out_weight)
    for k in hits:
        fan_out = len(graph.definers[graph.idents[k]])
        for e in range(graph.ident_start[k], graph.ident_end[k]):
            extra = weights[e] * (MENTIONED_FACTOR - 1)
            weights[e] += extra
            out_weight[graph.entry_file[e]] += extra * fan_out
    return weights, out_weight


def _personalisation(paths: list[str], focus: set[str]) -> list[float]:
    hits = [n for n, path in enumerate(paths) if path in focus]
    if not hits:
        return [1.0 / len(paths)] * len(paths)
    vector = [0.0] * len(paths)
    for n in hits:
        vector[n] = 1.0 / len(hits)
    return vector


def _segment_sums(values: Iterable[float], starts: Gather, ends: Gather) -> list[float]:
    """Sum of each segment [start, end) of `values`, by differences of prefix sums."""
    cumulative = list(accumulate(values, initial=0.0))
    return list(map(sub, ends(cumulative), starts(cumulative)))


def _ident_flow(graph: RefGraph, weights: list[float], coef: list[float]) -> list[float]:
    """Flow into each definer of each identifier: sum of score/out-weight x edge weight."""
    products = map(mul, graph.pick_entry_file(coef), weights)
    return _segment_sums(products, graph.pick_ident_start, graph.pick_ident_end)


def _power_iteration(
    graph: RefGraph,
    weights: list[float],
    out_weight: list[float],
    personal: list[float],
    initial: list[float],
) -> tuple[list[float], int]:
    """Personalised PageRank; dangling files (no out-edges) spread their score evenly;
    stop when the L1 change between steps is below networkx's default tolerance."""
    count = len(personal)
    scores = initial
    dangling = [n for n in range(count) if not out_weight[n]]
    teleport = [(1 - DAMPING) * p for p in personal]
    self_weight = graph.self_weight
    for iteration in range(1, MAX_ITERATIONS + 1):
        coef = [s / o if o else 0.0 for s, o in zip(scores, out_weight)]
        flow = _ident_flow(graph, weights, coef)
        inflow = _segment_sums(graph.pick_defined(flow), graph.pick_file_start, graph.pick_file_end)
        spread = DAMPING * sum(map(scores.__getitem__, dangling)) / count
        new = [
            DAMPING * (i + c * sw) + t + spread
            for i, c, sw, t in zip(inflow, coef, self_weight, teleport)
        ]
        change = sum(map(abs, map(sub, new, scores)))
        scores = new
        if change < count * TOLERANCE:
            return scores, iteration
    return scores, MAX_ITERATIONS
