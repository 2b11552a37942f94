"""Parse many source files into tags, in this process or spread over a process pool.

tree-sitter holds the GIL while it parses, so threads do not help; worker processes do on
a cold build when a core is free (benchmarks/bench_repomap.py prints the pool against one
process: 1.35x on 2 cores when the other core was mostly free). Starting a worker costs a fresh interpreter plus the grammar imports, so small
batches (the usual warm case: a few edited files) stay in process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ingle.core.repomap.files import SourceFile, looks_binary
from ingle.core.repomap.languages import Grammars
from ingle.core.repomap.tags import FileOutline, FileTags, extract_tags

POOL_MIN_BYTES = 2_000_000  # below this, starting workers costs more than it saves
CHUNKS_PER_WORKER = 4  # several chunks each, so one slow chunk does not idle a core

_EMPTY_TAGS = FileTags().model_dump_json()
_EMPTY_OUTLINE = FileOutline().model_dump_json()


class ParsedSource(BaseModel):
    """One file's tags as JSON (what the cache stores), or why it could not be read."""

    model_config = ConfigDict(frozen=True)

    path: str
    mtime_ns: int
    size: int
    tags: str = _EMPTY_TAGS
    outline: str = _EMPTY_OUTLINE
    error: str | None = None


def core_count() -> int:
    """Cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def idle_cores() -> int:
    """Cores not busy over the last minute (at least 1). Workers only pay off on an idle
    core: when every core is taken, their start-up is pure cost (the benchmark measured
    a pool 0.7x as fast as one process on a 2-core machine running two other jobs)."""
    cores = core_count()
    try:
        busy = os.getloadavg()[0]
    except OSError:  # no load average on this system: assume the cores are free
        return cores
    return max(1, min(cores, round(cores - busy)))


def parse_sources(
    root: Path, files: Sequence[SourceFile], grammars: Grammars, workers: int | None = None
) -> list[ParsedSource]:
    """Tags for each of `files`. `workers`: processes parsing in all, this one included
    (None: one per idle core for a big batch, else 1; 1: in this process only)."""
    if workers is None:
        big = sum(f.size for f in files) >= POOL_MIN_BYTES
        workers = min(idle_cores(), 8) if big else 1
    if workers > 1 and len(files) > 1:
        try:
            return _parse_shared(root, files, workers, grammars)
        except (BrokenProcessPool, OSError):
            pass  # no processes here (sandbox, fd limit): the same work, in process
    return [_parse_one(root, f, grammars) for f in files]


def parse_chunk(root: str, files: list[SourceFile]) -> list[ParsedSource]:
    """A worker's task: its own grammars, loaded only for the languages in the chunk."""
    grammars = Grammars()
    return [_parse_one(Path(root), f, grammars) for f in files]


def _parse_shared(
    root: Path, files: Sequence[SourceFile], processes: int, grammars: Grammars
) -> list[ParsedSource]:
    """`processes - 1` workers take chunks from the front of the queue while this
    process takes them from the back, cancelling each in the pool before a worker
    starts it. So this process never sits idle waiting, and on a machine whose cores
    are all busy the pool costs little more than one worker's start-up."""
    chunks = _balanced_chunks(files, processes * CHUNKS_PER_WORKER)
    # spawn, not fork: the caller may be a TUI with threads running, and forking a
    # threaded process can deadlock the child.
    context = multiprocessing.get_context("spawn")
    results: list[ParsedSource] = []
    with ProcessPoolExecutor(max_workers=processes - 1, mp_context=context) as pool:
        futures = [pool.submit(parse_chunk, str(root), chunk) for chunk in chunks]
        for chunk, future in zip(reversed(chunks), reversed(futures)):
            if not future.cancel():
                break  # a worker has it, and every chunk before it
            results.extend(_parse_one(root, f, grammars) for f in chunk)
        for future in futures:
            if not future.cancelled():
                results.extend(future.result())
    return results


def _balanced_chunks(files: Sequence[SourceFile], count: int) -> list[list[SourceFile]]:
    """Largest files first, each to the lightest chunk so far; grouped by language
    within a chunk so a worker compiles few queries."""
    count = max(1, min(count, len(files)))
    chunks: list[list[SourceFile]] = [[] for _ in range(count)]
    loads = [0] * count
    for f in sorted(files, key=lambda f: f.size, reverse=True):
        lightest = loads.index(min(loads))
        chunks[lightest].append(f)
        loads[lightest] += f.size + 1
    return [sorted(c, key=lambda f: (f.language, f.path)) for c in chunks if c]


def _parse_one(root: Path, f: SourceFile, grammars: Grammars) -> ParsedSource:
    try:
        source = (root / f.path).read_bytes()
    except OSError as exc:
        return ParsedSource(path=f.path, mtime_ns=f.mtime_ns, size=f.size, error=str(exc))
    if looks_binary(source):
        # Cached as empty, so a binary file with a source extension is read once only.
        return ParsedSource(path=f.path, mtime_ns=f.mtime_ns, size=f.size)
    parsed = extract_tags(source, f.language, grammars)
    return ParsedSource(
        path=f.path,
        mtime_ns=f.mtime_ns,
        size=f.size,
        tags=parsed.tags.model_dump_json(),
        outline=parsed.outline.model_dump_json(),
    )
