"""The repo map as a turn uses it: one RepoMap per engine, built at the planner's budget."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.core.agent.turn_types import RepoMapper

SERVICE = "repo_map"


def repo_mapper_for(engine: Engine) -> RepoMapper:
    """A callable giving the map text at a token budget. The context planner calls it from
    a worker thread with the budget it decided; the RepoMap (and its in-memory tag cache)
    lives as long as the engine, so later turns are warm."""
    lock = threading.Lock()  # first use from two threads must not build two maps

    def mapper(chat_files: set[str], instruction: str, budget: int) -> str:
        from ingle.core.repomap.map import RepoMap, identifiers_in

        with lock:
            repo_map = engine.service(SERVICE)
            if repo_map is None:
                repo_map = RepoMap(engine.root, engine.store)
                engine.set_service(SERVICE, repo_map)
        return repo_map.build(chat_files, identifiers_in(instruction), budget).text

    return mapper
