"""The gates as a turn runs them: on a candidate view of the changed files, one by one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.validators.results import GateResult

if TYPE_CHECKING:
    from ingle.core.agent.turn_types import GateCheck
    from ingle.validators.registry import GateRunner

GateSelection = str | Sequence[str]  # "auto", "off", or gate names


def gate_check_for(runner: GateRunner, root: Path, selection: GateSelection) -> GateCheck | None:
    """The turn's gate step for "auto" (every gate that applies), "off", or named gates."""
    if selection == "off":
        return None
    only: Sequence[str] | None = None if selection == "auto" else list(selection)

    async def check(changed: dict[str, str]) -> AsyncIterator[GateResult]:
        with candidate_tree(root, changed) as view:
            async for result in runner.run(sorted(changed), view, only=only):
                yield result

    return check
