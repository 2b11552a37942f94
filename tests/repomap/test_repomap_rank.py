"""The factored PageRank in core/repo_rank.py against the plain multigraph it replaces."""

from __future__ import annotations

import math
import random

import pytest

from ingle.core.repomap.rank import (
    COMMON_DEFINERS,
    DAMPING,
    MENTIONED_BONUS,
    MENTIONED_FACTOR,
    UNREFERENCED_SELF_WEIGHT,
    RefGraph,
    chat_scores,
    files_named_by,
    identifier_weight,
    looks_like_code,
    rank,
)
from ingle.core.repomap.tags import FileTags


def _random_repo(seed: int, files: int = 30) -> dict[str, FileTags]:
    rng = random.Random(seed)
    vocabulary = [f"name_{n}" for n in range(25)] + ["_private", "run", "LoadSettings", "x"]
    repo: dict[str, FileTags] = {}
    for n in range(files):
        names = rng.sample(vocabulary, rng.randint(0, 5))
        refs = {i: rng.randint(1, 4) for i in rng.sample(vocabulary, rng.randint(0, 8))}
        if n % 7 == 0:
            refs = {}  # some files refer to nothing: dangling nodes
        repo[f"pkg{n % 3}/mod{n}.py"] = FileTags(
            names=tuple(names), lines=tuple(range(len(names))), refs=refs
        )
    return repo


def _reference_pagerank(
    repo: dict[str, FileTags], chat: set[str], mentioned: set[str]
) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    """Aider's construction, literally: one weighted edge per (referencer, definer,
    identifier), networkx-style personalised PageRank, rank spread over out-edges."""
    definers: dict[str, set[str]] = {}
    for path, tags in repo.items():
        for name in tags.names:
            definers.setdefault(name, set()).add(path)
    edges: list[tuple[str, str, float, str]] = []
    referenced = {i for tags in repo.values() for i in tags.refs}
    for ident, where in definers.items():
        if ident not in referenced:
            edges += [(d, d, UNREFERENCED_SELF_WEIGHT, ident) for d in where]
            continue
        weight = identifier_weight(ident, len(where))
        if ident in mentioned:
            weight *= MENTIONED_FACTOR
        for path, tags in repo.items():
            if ident in tags.refs:
                for d in where:
                    edges.append((path, d, weight * math.sqrt(tags.refs[ident]), ident))
    nodes = sorted(repo)
    out = {n: 0.0 for n in nodes}
    for src, _, w, _ in edges:
        out[src] += w
    focus = set(chat) | files_named_by(RefGraph.build(repo), mentioned)
    hits = [n for n in nodes if n in focus]
    personal = {n: (1 / len(hits) if n in hits else 0.0) if hits else 1 / len(nodes) for n in nodes}
    x = dict(personal)
    for _ in range(1000):
        new = {n: (1 - DAMPING) * personal[n] for n in nodes}
        lost = sum(x[n] for n in nodes if not out[n])
        for n in nodes:
            new[n] += DAMPING * lost / len(nodes)  # dangling files spread evenly
        for src, dst, w, _ in edges:
            new[dst] += DAMPING * x[src] * w / out[src]
        done = sum(abs(new[n] - x[n]) for n in nodes) < 1e-13
        x = new
        if done:
            break
    per_definition: dict[tuple[str, str], float] = {}
    for src, dst, w, ident in edges:
        per_definition[(dst, ident)] = per_definition.get((dst, ident), 0.0) + x[src] * w / out[src]
    for (path, ident), value in per_definition.items():
        if (
            ident in mentioned
            and looks_like_code(ident)
            and len(definers[ident]) <= COMMON_DEFINERS
        ):
            per_definition[(path, ident)] = value + MENTIONED_BONUS
    return x, per_definition


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("chat", "mentioned"),
    [
        (set(), set()),
        ({"pkg0/mod3.py"}, set()),
        ({"pkg1/mod4.py"}, {"name_3", "pkg2"}),
        ({"pkg0/mod0.py"}, set()),  # a chat file that refers to nothing
    ],
)
def test_matches_the_explicit_multigraph(seed: int, chat: set[str], mentioned: set[str]) -> None:
    repo = _random_repo(seed)
    expected_files, expected_defs = _reference_pagerank(repo, chat, mentioned)
    graph = RefGraph.build(repo)
    ranking = rank(graph, chat, mentioned, limit=10_000)
    from_chat = rank(graph, chat, mentioned, limit=10_000, start=chat_scores(graph, chat))
    assert from_chat.iterations <= ranking.iterations
    for path, score in expected_files.items():
        assert from_chat.file_ranks[path] == pytest.approx(score, abs=2e-5)

    for path, score in expected_files.items():
        assert ranking.file_ranks[path] == pytest.approx(score, abs=2e-5)
    got = {(d.path, d.name): d.rank for d in ranking.definitions}
    wanted = {k: v for k, v in expected_defs.items() if k[0] not in chat}
    assert got.keys() == wanted.keys()
    for key, value in wanted.items():
        assert got[key] == pytest.approx(value, abs=2e-5)
    ranks = [d.rank for d in ranking.definitions]
    assert ranks == sorted(ranks, reverse=True)


def test_named_definitions_lead_and_common_names_do_not() -> None:
    repo = {
        "a.py": FileTags(names=("load_settings", "run"), lines=(0, 1), refs={}),
        "b.py": FileTags(names=("helper",), lines=(0,), refs={"helper": 3, "run": 1}),
        **{f"c{n}.py": FileTags(names=("run",), lines=(0,), refs={}) for n in range(6)},
    }
    graph = RefGraph.build(repo)
    ranking = rank(graph, set(), {"load_settings", "run", "helper"}, limit=20)
    first = ranking.definitions[0]
    assert (first.path, first.name) == ("a.py", "load_settings")
    assert first.rank > MENTIONED_BONUS
    # `run` is defined in 7 files: naming it says little, so none of them jumps ahead;
    # `helper` is a plain word, as likely prose as code: it does not jump either.
    assert all(d.rank < MENTIONED_BONUS for d in ranking.definitions[1:])
    assert "helper" in {d.name for d in ranking.definitions}


def test_what_looks_like_code() -> None:
    assert all(map(looks_like_code, ["parse_config", "RepoMap", "getX", "utf8", "_x"]))
    assert not any(map(looks_like_code, ["column", "Please", "scanstring"]))


def test_limit_keeps_the_best() -> None:
    repo = _random_repo(5)
    graph = RefGraph.build(repo)
    full = rank(graph, set(), set(), limit=10_000).definitions
    top = rank(graph, set(), set(), limit=7).definitions
    assert top == full[:7]


def test_identifier_weights() -> None:
    assert identifier_weight("x", 1) == 1.0
    assert identifier_weight("load_settings", 1) == 10.0  # long and compound: specific
    assert identifier_weight("LoadSettings", 1) == 10.0
    assert identifier_weight("_priv", 1) == pytest.approx(0.1)
    assert identifier_weight("_private", 1) == pytest.approx(1.0)  # compound x10, private x0.1
    assert identifier_weight("name", 6) == pytest.approx(0.1)  # defined everywhere


def test_empty_repository_ranks_nothing() -> None:
    ranking = rank(RefGraph.build({}), set(), {"anything"}, limit=10)
    assert ranking.definitions == [] and ranking.file_ranks == {}
