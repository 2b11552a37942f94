"""Turn ranked definitions into map text, and find how many fit a token budget.

The text looks like Aider's map, which models have seen plenty of: each file's path, then
the lines of its chosen definitions with the header lines of their enclosing scopes
(a method under its class), `│` before a shown line and `⋮` where lines are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ingle.core.repomap.tags import FileOutline, FileTags

TokenEstimator = Callable[[str], int]
OutlineLoader = Callable[[Iterable[str]], Mapping[str, FileOutline]]

ELIDED = "⋮"
SHOWN = "│"


def estimate_tokens(text: str) -> int:
    """About four characters per token: close enough for code in BPE vocabularies, and
    free, where a real tokenizer would cost more than the map itself."""
    return (len(text) + 3) // 4


@dataclass(frozen=True)
class MapItem:
    """One thing the map may show: a definition (by name) in a file, or a bare file."""

    path: str
    name: str | None = None


@dataclass(frozen=True)
class FittedMap:
    text: str
    tokens: int
    items: int  # how many of the ranked items made it in
    paths: list[str]  # files shown, in rank order


def render(
    items: Sequence[MapItem], tags: Mapping[str, FileTags], outlines: Mapping[str, FileOutline]
) -> str:
    """The map text for `items`; files appear in order of their best-ranked item."""
    names_by_path: dict[str, set[str]] = {}
    for item in items:
        names = names_by_path.setdefault(item.path, set())
        if item.name is not None:
            names.add(item.name)
    blocks: list[str] = []
    for path, names in names_by_path.items():
        if not names:
            blocks.append(path + "\n")
            continue
        file_tags = tags[path]
        outline = outlines.get(path, FileOutline())
        shown: set[int] = set()
        for name, line in zip(file_tags.names, file_tags.lines):
            if name in names:
                shown.add(line)
                shown.update(outline.scopes.get(line, ()))
        blocks.append(_file_block(path, sorted(shown), outline.texts))
    return "\n".join(blocks)


def _file_block(path: str, lines: list[int], texts: Mapping[int, str]) -> str:
    out = [path + ":"]
    previous = -1
    for line in lines:
        if line != previous + 1:
            out.append(ELIDED)
        out.append(SHOWN + texts.get(line, ""))
        previous = line
    out.append(ELIDED)
    return "\n".join(out) + "\n"


def fit(
    items: Sequence[MapItem],
    budget: int,
    tags: Mapping[str, FileTags],
    load_outlines: OutlineLoader,
    estimate: TokenEstimator = estimate_tokens,
) -> FittedMap:
    """The longest prefix of `items` whose rendering fits `budget` tokens (binary search;
    the rendered size grows with the prefix). Outlines are loaded in batches, only for
    files a candidate prefix reaches."""
    outlines: dict[str, FileOutline] = {}

    def rendered(count: int) -> tuple[str, int]:
        prefix = items[:count]
        missing = {i.path for i in prefix if i.name is not None and i.path not in outlines}
        if missing:
            outlines.update(load_outlines(missing))
        text = render(prefix, tags, outlines)
        return text, estimate(text)

    best = FittedMap("", 0, 0, [])
    if budget <= 0 or not items:
        return best
    # Upper bound by doubling from a guess (about 25 tokens per item, as Aider starts), so
    # outlines are never loaded for the far tail of a long ranking.
    low, high = 0, min(len(items), max(1, budget // 25))
    while True:
        text, tokens = rendered(high)
        if tokens > budget:
            break
        best = _fitted(items, high, text, tokens)
        if high == len(items):
            return best
        low, high = high, min(len(items), high * 2)
    # Invariant: `low` items fit (or low is 0), `high` items do not.
    while high - low > 1:
        middle = (low + high) // 2
        text, tokens = rendered(middle)
        if tokens <= budget:
            low, best = middle, _fitted(items, middle, text, tokens)
        else:
            high = middle
    return best


def _fitted(items: Sequence[MapItem], count: int, text: str, tokens: int) -> FittedMap:
    paths = list(dict.fromkeys(item.path for item in items[:count]))
    return FittedMap(text, tokens, count, paths)
