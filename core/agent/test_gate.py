"""The test gate as a turn runs it: the repository's own tests, on the candidate tree."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ingle.core.agent.candidate_tree import candidate_tree

if TYPE_CHECKING:
    from ingle.core.agent.turn_types import TestCheck
    from ingle.core.config.settings import Settings
    from ingle.core.test_runs.models import TestRunResult


def test_check_for(settings: Settings, root: Path, tools_dir: Path, full: bool = False) -> TestCheck:
    """Run the configured (trusted) or detected test command on each candidate; related
    tests first where the tool allows. None when the repository has no tests we know of."""

    async def check(changed: dict[str, str], remaining_s: float) -> TestRunResult | None:
        from ingle.core.test_runs import TestTools, resolve_test_command, run_tests

        tests = settings.tests
        command = resolve_test_command(tests, root)
        if command is None:
            return None
        tools = TestTools(gates=settings.gates, cache_dir=tools_dir)
        with candidate_tree(root, changed) as view:
            return await run_tests(
                command, view, changed=sorted(changed), related_first=tests.related_first,
                timeout_s=min(tests.timeout_s, max(remaining_s, 1.0)), full=full, tools=tools,
            )

    return check


async def run_repository_tests(
    settings: Settings, root: Path, tools_dir: Path, full: bool = True
) -> TestRunResult | None:
    """`/test` in the chat: the tests on the repository as it is now."""
    return await test_check_for(settings, root, tools_dir, full=full)({}, settings.tests.timeout_s)
