"""The executor `[jobs] executor` names: "local" (the default) or "ray" (ingle[cluster])."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.jobs.executor import Executor, LocalExecutor

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench


def open_executor(workbench: Workbench) -> Executor:
    """Ray is imported only when it is chosen."""
    settings = workbench.settings.jobs
    if settings.executor == "ray":
        from ingle.core.jobs.ray_executor import RayExecutor

        return RayExecutor(workbench, settings.address)
    return LocalExecutor(workbench)
