"""The repo map as a turn uses it: one RepoMap per engine, built in a worker thread."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.engine import Engine
    from core.turn import RepoMapper

SERVICE = "repo_map"


def repo_mapper_for(engine: Engine) -> RepoMapper:
    """A callable the turn awaits for the map text; the RepoMap (and its in-memory tag
    cache) lives as long as the engine, so later turns are warm."""

    async def mapper(chat_files: set[str], instruction: str) -> str:
        from core.repomap import RepoMap, identifiers_in, map_budget_for

        repo_map = engine.service(SERVICE)
        if repo_map is None:
            repo_map = RepoMap(engine.root, engine.store)
            engine.set_service(SERVICE, repo_map)
        model = engine.first_model()
        budget = map_budget_for(engine.settings.num_ctx_for(model))
        result = await asyncio.to_thread(
            repo_map.build, chat_files, identifiers_in(instruction), budget
        )
        return result.text

    return mapper
