"""The repo map: a ranked outline of a repository that fits a token budget.

Every turn sends the model the signature lines of the definitions that matter most for
what is in the chat, so it knows what exists outside the files it was given. The steps:
list the source files (respecting .gitignore), take each file's tags from the cache when
its (mtime, size) is unchanged and parse it with tree-sitter otherwise, rank definitions
with personalised PageRank over the reference graph, and keep the longest ranked prefix
that fits the budget. A RepoMap object keeps tags and the graph in memory between builds
(the TUI holds one for the session); the state database keeps tags across processes.

`build` is synchronous and thread-safe: front ends call it from a worker thread.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from ingle.core.repomap.files import SourceFile, list_source_files
from ingle.core.repomap.languages import Grammars, language_for
from ingle.core.repomap.parse import parse_sources
from ingle.core.repomap.rank import RefGraph, chat_scores, rank
from ingle.core.repomap.render import MapItem, TokenEstimator, estimate_tokens, fit
from ingle.core.repomap.tags import TAGS_FORMAT, FileOutline, FileTags
from ingle.memory.tag_cache import TagCache, TagCacheEntry, TagCacheError

if TYPE_CHECKING:
    from ingle.memory.store import Store

CHAT_SCORES_KEPT = 16
MIN_MAP_TOKENS = 256
MAX_MAP_TOKENS = 4096


def map_budget_for(num_ctx: int) -> int:
    """Map tokens for a model with a `num_ctx` window: an eighth, within 256..4096.

    An eighth leaves the rest for what a turn must carry (persona prompt and examples,
    the chat files in full, history, the reply): with qwen3:14b's 4K window that is 512
    tokens, with 16K 2048. Below 256 a map shows too few files to be worth it; above
    4096 extra map lines mostly dilute the prompt, and local models degrade with length.
    """
    return max(MIN_MAP_TOKENS, min(MAX_MAP_TOKENS, num_ctx // 8))


class RepoMapTimings(BaseModel):
    model_config = ConfigDict(frozen=True)

    list_s: float  # listing files and checking them against the cache
    parse_s: float  # parsing files that changed (and saving their tags)
    rank_s: float  # building the graph (when files changed) and PageRank
    render_s: float  # fitting the budget
    total_s: float


class RepoMapResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    tokens: int  # estimated tokens of `text`
    files_ranked: list[str]  # files shown in the map, best first
    files_total: int  # source files in the repository
    files_parsed: int  # parsed in this build
    files_cached: int  # taken from the in-memory or database cache
    parse_errors: list[str]  # "path: reason" for files that could not be read
    notes: list[str] = []  # what went wrong but did not stop the map (the tag cache failing)
    timings: RepoMapTimings


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Words that read as identifiers in any message but point at nothing in particular.
_STOP_WORDS = frozenset(
    {
        "the", "and", "for", "with", "that", "this", "from", "into", "then", "than", "not",
        "but", "are", "was", "were", "has", "have", "had", "can", "could", "should", "would",
        "will", "use", "using", "add", "make", "fix", "when", "what", "where", "which", "who",
        "why", "how", "all", "any", "each", "its", "you", "your", "our", "out", "get", "set",
        "new", "file", "files", "code", "function", "class", "method", "test", "tests",
        "please", "also", "just", "like",
    }
)  # fmt: skip


def identifiers_in(message: str) -> set[str]:
    """Words in a user's message that may name code: each identifier-shaped word, plus
    the parts of snake_case and CamelCase ones (`parse_config` also gives `parse`,
    `config`), without short and common English words."""
    found: set[str] = set()
    for word in _WORD.findall(message):
        found.add(word)
        for piece in word.split("_"):
            found.add(piece)
            found.update(_CAMEL_PART.findall(piece))
    return {w for w in found if len(w) >= 3 and w.lower() not in _STOP_WORDS}


@dataclass
class _Entry:
    mtime_ns: int
    size: int
    tags: FileTags
    outline_json: str | None  # None until read from the cache for rendering
    outline: FileOutline | None = None


class RepoMap:
    """A repository's map builder, holding its tags between builds."""

    def __init__(
        self,
        root: Path,
        store: Store | None,
        estimate: TokenEstimator = estimate_tokens,
        workers: int | None = None,
    ) -> None:
        self.root = root.resolve()
        self._estimate = estimate
        self._workers = workers  # None: decide per build; 1: never start processes
        self._cache = TagCache(store, self.root, TAGS_FORMAT) if store is not None else None
        self._notes: list[str] = []
        self._entries: dict[str, _Entry] = {}
        self._loaded_db = False
        self._graph: RefGraph | None = None
        # Converged scores per set of chat files, the start for ranking each new message.
        self._chat_scores: dict[frozenset[str], list[float]] = {}
        self._grammars = Grammars()
        self._lock = threading.Lock()  # one build at a time; state below is not shared

    def build(
        self, chat_files: set[str], mentioned_idents: set[str], token_budget: int
    ) -> RepoMapResult:
        """The map a turn sends: `chat_files` (repository-relative) are left out of it
        and ranked towards, as are files that `mentioned_idents` point at."""
        with self._lock:
            return self._build(chat_files, mentioned_idents, token_budget)

    def _build(self, chat_files: set[str], mentioned: set[str], budget: int) -> RepoMapResult:
        started = time.perf_counter()
        self._notes = []
        files = list_source_files(self.root)
        if not self._loaded_db:
            self._loaded_db = True
            self._load_from_db({f.path for f in files})
        stale = [f for f in files if not self._is_current(f)]
        gone = set(self._entries) - {f.path for f in files}
        listed = time.perf_counter()

        errors = self._refresh(stale, gone)
        parsed = time.perf_counter()

        graph = self._graph
        if graph is None or stale or gone:
            graph = self._graph = RefGraph.build({p: e.tags for p, e in self._entries.items()})
            self._chat_scores.clear()
        chat = {self._relative(p) for p in chat_files}
        items = self._ranked_items(graph, chat, mentioned, budget)
        ranked = time.perf_counter()

        tags = {p: e.tags for p, e in self._entries.items()}
        fitted = fit(items, budget, tags, self._outlines, self._estimate)
        done = time.perf_counter()
        return RepoMapResult(
            text=fitted.text,
            tokens=fitted.tokens,
            files_ranked=fitted.paths,
            files_total=len(files),
            files_parsed=len(stale),
            files_cached=len(files) - len(stale),
            parse_errors=errors,
            notes=self._notes,
            timings=RepoMapTimings(
                list_s=listed - started,
                parse_s=parsed - listed,
                rank_s=ranked - parsed,
                render_s=done - ranked,
                total_s=done - started,
            ),
        )

    def _ranked_items(
        self, graph: RefGraph, chat: set[str], mentioned: set[str], budget: int
    ) -> list[MapItem]:
        """Ranked definitions, then the files without any, best first."""
        key = frozenset(chat)
        start = self._chat_scores.get(key)
        if start is None:
            start = chat_scores(graph, chat)
            if len(self._chat_scores) >= CHAT_SCORES_KEPT:
                self._chat_scores.pop(next(iter(self._chat_scores)))  # the oldest
            self._chat_scores[key] = start
        # Every definition line costs at least a token, so `budget` of them always suffice.
        ranking = rank(graph, chat, mentioned, limit=max(budget, 1), start=start)
        items = [MapItem(d.path, d.name) for d in ranking.definitions]
        shown = {d.path for d in ranking.definitions} | chat
        by_rank = sorted(ranking.file_ranks, key=lambda p: -ranking.file_ranks[p])
        return items + [MapItem(p) for p in by_rank if p not in shown]

    def _is_current(self, f: SourceFile) -> bool:
        entry = self._entries.get(f.path)
        return entry is not None and entry.mtime_ns == f.mtime_ns and entry.size == f.size

    def _cache_failed(self, exc: TagCacheError) -> None:
        """Carry on from memory (and parsing) for the rest of this RepoMap's life."""
        self._notes.append(str(exc))
        self._cache = None

    def _load_from_db(self, present: set[str]) -> None:
        if self._cache is None:
            return
        try:
            rows = self._cache.load()
            vanished = [row.path for row in rows if row.path not in present]
            self._cache.forget(vanished)  # deleted (or now ignored) since they were cached
        except TagCacheError as exc:
            self._cache_failed(exc)
            return
        for row in rows:
            if row.path in present:
                tags = FileTags.model_validate_json(row.tags)
                self._entries[row.path] = _Entry(row.mtime_ns, row.size, tags, None)

    def _refresh(self, stale: list[SourceFile], gone: set[str]) -> list[str]:
        """Parse what changed, store it, drop what disappeared; returns read errors."""
        for path in gone:
            del self._entries[path]
        results = parse_sources(self.root, stale, self._grammars, self._workers)
        fresh = [r for r in results if not r.error]
        for r in results:
            if r.error:  # unreadable now: leave it out rather than show stale tags
                self._entries.pop(r.path, None)
            else:
                tags = FileTags.model_validate_json(r.tags)
                self._entries[r.path] = _Entry(r.mtime_ns, r.size, tags, r.outline)
        if self._cache is not None:
            entries = [
                TagCacheEntry(
                    path=r.path, mtime_ns=r.mtime_ns, size=r.size, tags=r.tags, outline=r.outline
                )
                for r in fresh
            ]
            try:
                # A file that changed and no longer parses keeps no row describing its old text.
                self._cache.forget(gone | {r.path for r in results if r.error})
                self._cache.save(entries)
            except TagCacheError as exc:
                self._cache_failed(exc)
        return [f"{r.path}: {r.error}" for r in results if r.error]

    def _outlines(self, paths: set[str]) -> dict[str, FileOutline]:
        """Outlines for rendering: kept in memory, else read from the cache, else (the row
        is gone or describes another version of the file) parsed again."""
        need = [p for p in paths if self._entries[p].outline is None]
        missing = {p for p in need if not self._entries[p].outline_json}
        if missing and self._cache is not None:
            try:
                rows = self._cache.outlines(missing)
            except TagCacheError as exc:
                self._cache_failed(exc)
                rows = []
            for row in rows:
                entry = self._entries[row.path]
                if (row.mtime_ns, row.size) == (entry.mtime_ns, entry.size):
                    entry.outline_json = row.outline
                    missing.discard(row.path)
        if missing:
            self._reparse_outlines(missing)
        found: dict[str, FileOutline] = {}
        for path in paths:
            entry = self._entries[path]
            if entry.outline is None and entry.outline_json:
                entry.outline = FileOutline.model_validate_json(entry.outline_json)
                entry.outline_json = None
            found[path] = entry.outline or FileOutline()
        return found

    def _reparse_outlines(self, paths: set[str]) -> None:
        files = [
            SourceFile(p, language_for(p) or "", self._entries[p].mtime_ns, self._entries[p].size)
            for p in sorted(paths)
        ]
        for r in parse_sources(self.root, files, self._grammars, workers=1):
            if not r.error:
                self._entries[r.path].outline_json = r.outline

    def _relative(self, path: str) -> str:
        """A chat file as the map names it: repository-relative, forward slashes."""
        given = Path(path)
        if given.is_absolute():
            try:
                return given.resolve().relative_to(self.root).as_posix()
            except ValueError:
                return path  # outside the repository: matches no mapped file
        return _normalise(path)


def _normalise(path: str) -> str:
    """A chat file as the map names it: repository-relative, forward slashes."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path
