"""Running a repository's tests on a tree: related tests first, the full suite on request.

`run_tests` works on whatever root it is given (the engine passes a candidate tree:
a temp directory of symlinks with the edited files real) and uses it as the working
directory without resolving links back into the repository. One time limit covers
every stage; a run that reaches it is killed (its whole process group) and reported
as timed_out with the end of its output.
"""

from __future__ import annotations

import asyncio
import shlex
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from ingle.core.test_runs.invocation import TestTools, ToolMissing, build_invocation
from ingle.core.test_runs.models import (
    OutputFormat,
    RelatedSelection,
    TestCommand,
    TestKind,
    TestRunResult,
    TestScope,
    TestStage,
    TestStatus,
    TrimmedOutput,
)
from ingle.core.test_runs.node_tree import TreeTooLarge, node_ready_tree
from ingle.core.test_runs.output_text import clean_output, tail
from ingle.core.test_runs.process import OnOutput, run_process
from ingle.core.test_runs.related import related_tests
from ingle.core.test_runs.report import decide_status, model_summary
from ingle.core.test_runs.trim import trim_output

_NODE_KINDS = (TestKind.NPM, TestKind.VITEST)
_NODE_FORMATS = (OutputFormat.NODE, OutputFormat.JEST, OutputFormat.VITEST)


async def run_tests(
    command: TestCommand,
    root: Path,
    *,
    changed: list[str],
    related_first: bool,
    timeout_s: float,
    full: bool = False,
    tools: TestTools | None = None,
    on_output: OnOutput | None = None,
) -> TestRunResult:
    """Run `command` on `root`. With `related_first`, the tests related to `changed`
    run first; when they pass and `full` is asked, the full suite runs too. Without a
    related selection the full suite runs. Never raises for a missing tool, a broken
    suite or a hang: the result's status says what happened. `on_output` sees the
    output as it comes."""
    tools = tools or TestTools()
    deadline = time.monotonic() + timeout_s
    selection: RelatedSelection | None = None
    if related_first and changed:
        selection = await asyncio.to_thread(related_tests, command, root, changed)
    with ExitStack() as stack:
        tree, note = await asyncio.to_thread(_prepare_tree, stack, command, root)
        runner = _StageRunner(command, root, tree, tools, deadline, timeout_s, note, on_output)
        results: list[TestRunResult] = []
        if selection is not None:
            results.append(await runner.run("related", selection))
            if results[-1].status is not TestStatus.PASSED or not full:
                return _combine(results)
        results.append(await runner.run("full", None))
        return _combine(results)


def _prepare_tree(stack: ExitStack, command: TestCommand, root: Path) -> tuple[Path, str]:
    if command.kind not in _NODE_KINDS and command.output_format not in _NODE_FORMATS:
        return root, ""
    try:
        return stack.enter_context(node_ready_tree(root)), ""
    except TreeTooLarge as exc:
        return root, f"ran on the tree's symlinks ({exc}): Node may see the repository's files"


class _StageRunner:
    def __init__(
        self,
        command: TestCommand,
        root: Path,
        tree: Path,
        tools: TestTools,
        deadline: float,
        timeout_s: float,
        note: str,
        on_output: OnOutput | None = None,
    ) -> None:
        self.on_output = on_output
        self.command = command
        self.root = root
        self.tree = tree
        self.tools = tools
        self.deadline = deadline
        self.timeout_s = timeout_s
        self.note = note

    async def run(self, scope: TestScope, selection: RelatedSelection | None) -> TestRunResult:
        what = _what_ran(self.command, scope, selection)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            detail = f"no time left of the {self.timeout_s:g} s limit for the {scope} tests"
            return self._result(scope, selection, TestStatus.TIMED_OUT, what, detail=detail)
        with tempfile.TemporaryDirectory(prefix="ingle-test-run-") as scratch:
            try:
                targets = selection.targets if selection else None
                invocation = build_invocation(
                    self.command, self.tree, targets, self.tools, Path(scratch), remaining
                )
            except ToolMissing as missing:
                return self._result(
                    scope, selection, TestStatus.COULD_NOT_RUN, what,
                    detail=missing.detail, install_hint=missing.hint,
                )  # fmt: skip
            outcome = await run_process(
                invocation.argv, cwd=invocation.cwd, env=invocation.full_env(), timeout_s=remaining,
                on_output=self.on_output,
            )
        command_line = shlex.join(invocation.argv)
        if outcome.start_error:
            return self._result(
                scope, selection, TestStatus.COULD_NOT_RUN, what, command_line=command_line,
                detail=outcome.start_error, install_hint="check that the test tool is installed",
            )  # fmt: skip
        roots = {str(self.root), str(self.tree), str(self.root.resolve()), str(self.tree.resolve())}
        trimmed = trim_output(self.command.output_format, outcome.output, sorted(roots))
        status = decide_status(outcome.exit_code, outcome.timed_out, trimmed, outcome.output)
        detail = self._detail(status, outcome.exit_code, remaining, trimmed)
        return self._result(
            scope, selection, status, what,
            command_line=command_line,
            exit_code=outcome.exit_code,
            duration_s=outcome.duration_s,
            trimmed=trimmed,
            output_tail=tail(clean_output(outcome.output, sorted(roots))),
            detail=detail,
            install_hint="install what the output says is missing" if status is TestStatus.COULD_NOT_RUN else "",
        )  # fmt: skip

    def _detail(
        self, status: TestStatus, exit_code: int | None, limit: float, trimmed: TrimmedOutput
    ) -> str:
        if status is TestStatus.TIMED_OUT:
            # Whole seconds: the milliseconds spent before the stage started are noise.
            shown = f"{limit:.0f}" if limit >= 1 else f"{limit:.1g}"
            text = f"killed after {shown} s (the limit is tests.timeout_s = {self.timeout_s:g})"
        elif status is TestStatus.PASSED and trimmed.no_tests:
            text = "no tests ran"
        elif status is TestStatus.ERROR and not trimmed.failures:
            text = f"exit code {exit_code}; the output did not say which tests failed"
        else:
            text = f"exit code {exit_code}"
        return f"{text}; {self.note}" if self.note else text

    def _result(
        self,
        scope: TestScope,
        selection: RelatedSelection | None,
        status: TestStatus,
        what: str,
        *,
        command_line: str = "",
        exit_code: int | None = None,
        duration_s: float = 0.0,
        trimmed: TrimmedOutput | None = None,
        output_tail: str = "",
        detail: str = "",
        install_hint: str = "",
    ) -> TestRunResult:
        trimmed = trimmed or TrimmedOutput()
        return TestRunResult(
            status=status,
            kind=self.command.kind,
            scope=scope,
            command_line=command_line or what,
            exit_code=exit_code,
            duration_s=duration_s,
            failures=trimmed.failures,
            summary_line=trimmed.summary_line,
            summary_for_model=model_summary(
                status,
                what,
                trimmed.failures,
                trimmed.summary_line,
                output_tail,
                detail,
                install_hint,
            ),
            output_tail=output_tail,
            detail=detail,
            install_hint=install_hint,
            selection=selection,
        )


def _what_ran(command: TestCommand, scope: TestScope, selection: RelatedSelection | None) -> str:
    """How the run reads to a person or a model: the command, and which tests."""
    if selection is None:
        return f"{command.shown()}, full suite"
    base = [w for w in command.argv if w != "./..."]
    return f"{shlex.join([*base, *selection.targets])}, related tests: {selection.reason}"


def _combine(results: list[TestRunResult]) -> TestRunResult:
    last = results[-1]
    stages = [
        TestStage(
            scope=r.scope,
            command_line=r.command_line,
            status=r.status,
            exit_code=r.exit_code,
            duration_s=r.duration_s,
            summary_line=r.summary_line,
        )
        for r in results
    ]
    return last.model_copy(
        update={
            "stages": stages,
            "duration_s": sum(r.duration_s for r in results),
            "selection": results[0].selection,
        }
    )
