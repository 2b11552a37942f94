"""The gates as a turn runs them: on a candidate view of the changed files, one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.validators.results import GateResult

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine, GateSelection
    from ingle.core.agent.turn_types import GateCheck


def gate_check_for(engine: Engine, selection: GateSelection) -> GateCheck | None:
    """The turn's gate step for "auto" (every gate that applies), "off", or named gates."""
    if selection == "off":
        return None
    only: Sequence[str] | None = None if selection == "auto" else list(selection)

    async def check(changed: dict[str, str]) -> AsyncIterator[GateResult]:
        from ingle.validators.registry import GateRunner

        runner = engine.service("gates")
        if runner is None:
            runner = GateRunner(engine.settings.gates, tools_dir=engine.loaded.dirs.tools)
            engine.set_service("gates", runner)
        with candidate_tree(engine.root, changed) as view:
            async for result in runner.run(sorted(changed), view, only=only):
                yield result

    return check
