"""The test gate as a turn runs it: the repository's own tests, on the candidate tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.agent.candidate_tree import candidate_tree

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine
    from ingle.core.test_runs.models import TestRunResult
    from ingle.core.agent.turn_types import TestCheck


def test_check_for(engine: Engine, full: bool = False) -> TestCheck:
    """Run the configured (trusted) or detected test command on each candidate; related
    tests first where the tool allows. None when the repository has no tests we know of."""

    async def check(changed: dict[str, str], remaining_s: float) -> TestRunResult | None:
        from ingle.core.test_runs import TestTools, resolve_test_command, run_tests

        settings = engine.settings.tests
        command = resolve_test_command(settings, engine.root)
        if command is None:
            return None
        tools = TestTools(gates=engine.settings.gates, cache_dir=engine.loaded.dirs.tools)
        with candidate_tree(engine.root, changed) as view:
            return await run_tests(
                command, view, changed=sorted(changed), related_first=settings.related_first,
                timeout_s=min(settings.timeout_s, max(remaining_s, 1.0)), full=full, tools=tools,
            )

    return check


async def run_repository_tests(engine: Engine, full: bool = True) -> TestRunResult | None:
    """`/test` in the chat: the tests on the repository as it is now."""
    return await test_check_for(engine, full=full)({}, engine.settings.tests.timeout_s)
