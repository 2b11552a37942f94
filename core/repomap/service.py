"""The repo map as a turn uses it: one RepoMap per session, built on first use at the
planner's budget."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingle.core.repomap.map import RepoMap
    from ingle.memory.store import Store


class LazyRepoMap:
    """Called with (chat files, instruction, token budget), gives the map text. The context
    planner calls it from a worker thread with the budget it decided; the RepoMap (and its
    in-memory tag cache) is built on the first call and lives as long as the session, so
    later turns are warm."""

    def __init__(self, root: Path, store: Store) -> None:
        self.root = root
        self.store = store
        self._map: RepoMap | None = None
        self._lock = threading.Lock()  # first use from two threads must not build two maps

    def __call__(self, chat_files: set[str], instruction: str, budget: int) -> str:
        from ingle.core.repomap.map import identifiers_in

        return self.get().build(chat_files, identifiers_in(instruction), budget).text

    def get(self) -> RepoMap:
        from ingle.core.repomap.map import RepoMap

        with self._lock:
            if self._map is None:
                self._map = RepoMap(self.root, self.store)
            return self._map
