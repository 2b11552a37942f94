"""The test gate as a turn runs it: the repository's own tests, on the candidate tree,
judged against the original files: a test that failed before the change does not block it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.core.test_runs.models import TestRunResult, TestStatus

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ingle.core.config.settings import Settings
    from ingle.core.test_runs.process import OnOutput

_NOT_PASSING = (TestStatus.FAILED, TestStatus.ERROR, TestStatus.TIMED_OUT)


class JudgedTests(BaseModel):
    """A test run on the candidate; `failed_before` names its failures that the original
    files fail too (they never block)."""

    result: TestRunResult
    failed_before: list[str] = Field(default_factory=list)

    @property
    def blocking(self) -> bool:
        if self.result.status not in _NOT_PASSING:
            return False
        if self.result.status is TestStatus.TIMED_OUT or not self.result.failures:
            return True
        return any(f.name not in self.failed_before for f in self.result.failures)


class TestBaselines:
    """Failing test names on the original files, by the hashes of the changed files'
    originals and the command. One lives as long as the coding session."""

    __test__ = False

    def __init__(self) -> None:
        self._failing: dict[tuple[str, ...], set[str]] = {}

    def get(self, key: tuple[str, ...]) -> set[str] | None:
        return self._failing.get(key)

    def put(self, key: tuple[str, ...], names: set[str]) -> None:
        self._failing[key] = names


def test_check_for(
    settings: Settings, root: Path, tools_dir: Path, full: bool = False,
    baselines: TestBaselines | None = None, on_output: OnOutput | None = None,
) -> Callable[[dict[str, str], float], Awaitable[JudgedTests | None]]:
    """Run the configured (trusted) or detected test command on each candidate; related
    tests first where the tool allows. None when the repository has no tests we know of.
    A failing candidate is compared with the same tests on the original files."""
    known = baselines if baselines is not None else TestBaselines()

    async def run_on(changed: dict[str, str], remaining_s: float) -> TestRunResult | None:
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
                on_output=on_output,
            )

    async def check(changed: dict[str, str], remaining_s: float) -> JudgedTests | None:
        result = await run_on(changed, remaining_s)
        if result is None:
            return None
        if result.status not in (TestStatus.FAILED, TestStatus.ERROR) or not changed:
            return JudgedTests(result=result)
        key = (result.command_line, *sorted(f"{p}:{_original_digest(root, p)}" for p in changed))
        before = known.get(key)
        if before is None:
            # The same tests on the files as they were: the candidate view with nothing changed,
            # but the same changed-file list so the same related tests are chosen.
            original = {p: t for p in changed if (t := _read(root / p)) is not None}
            baseline = await run_on(original, remaining_s)
            before = {f.name for f in baseline.failures} if baseline is not None else set()
            known.put(key, before)
        return JudgedTests(
            result=result, failed_before=[f.name for f in result.failures if f.name in before]
        )

    return check


async def run_repository_tests(
    settings: Settings, root: Path, tools_dir: Path, full: bool = True,
    on_output: OnOutput | None = None,
) -> TestRunResult | None:
    """`/test` in the chat: the tests on the repository as it is now, their output
    passed to `on_output` as it comes."""
    check = test_check_for(settings, root, tools_dir, full=full, on_output=on_output)
    judged = await check({}, settings.tests.timeout_s)
    return judged.result if judged is not None else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _original_digest(root: Path, rel: str) -> str:
    text = _read(root / rel)
    return "new" if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()
