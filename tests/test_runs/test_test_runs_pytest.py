"""The test gate on real Python repositories in tmp dirs: pytest runs on a candidate
tree, failures trimmed to names, messages and repository frames, related tests
first, the time limit killing a hanging test and everything it started."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.core.test_runs import TestTools, detect_test_command, run_tests
from ingle.core.test_runs.detect import configured_command
from ingle.core.test_runs.models import TestCommand, TestKind, TestStatus
from tests.test_repos.writer import snapshot, write_repo

CALC = {
    "calc.py": """
        def add(a, b):
            return a + b


        def mean(values):
            return sum(values) / len(values)
        """,
    "tests/test_calc.py": """
        from calc import add, mean


        def test_add():
            assert add(2, 2) == 4


        def test_mean():
            assert mean([1, 3]) == 2
        """,
    "tests/test_other.py": """
        def test_other():
            assert "other".upper() == "OTHER"
        """,
}


def _command(root: Path) -> TestCommand:
    command = detect_test_command(root)
    assert command is not None and command.kind is TestKind.PYTEST
    return command


async def _run(root: Path, changed: dict[str, str] | None = None, **options: object):
    changed = changed or {}
    with candidate_tree(root, changed) as view:
        return await run_tests(
            _command(root),
            view,
            changed=list(changed),
            related_first=bool(options.pop("related_first", False)),
            timeout_s=float(options.pop("timeout_s", 60)),  # type: ignore[arg-type]
            **options,  # type: ignore[arg-type]
        )


async def test_failures_are_trimmed_to_names_messages_and_repository_frames(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", CALC)
    broken = {
        "calc.py": "def add(a, b):\n    return a - b\n\n\ndef mean(values):\n    return sum(values) / len([])\n"
    }
    result = await _run(repo, broken)
    assert (result.status, result.scope, result.exit_code) == (TestStatus.FAILED, "full", 1)
    assert result.summary_for_model == (
        "Tests failed (python -m pytest, full suite): 2 failed, 1 passed\n"
        "\n"
        "FAILED tests/test_calc.py::test_add\n"
        "assert 0 == 4\n"
        " +  where 0 = add(2, 2)\n"
        "Trace:\n"
        "  tests/test_calc.py:5: in test_add\n"
        "      assert add(2, 2) == 4\n"
        "\n"
        "FAILED tests/test_calc.py::test_mean\n"
        "ZeroDivisionError: division by zero\n"
        "Trace:\n"
        "  tests/test_calc.py:9: in test_mean\n"
        "      assert mean([1, 3]) == 2\n"
        "  calc.py:6: in mean\n"
        "      return sum(values) / len([])"
    )
    assert [f.name for f in result.failures] == [
        "tests/test_calc.py::test_add",
        "tests/test_calc.py::test_mean",
    ]
    assert "-p no:cacheprovider" in result.command_line
    assert "2 failed, 1 passed" in result.output_tail


async def test_a_passing_suite_passes(tmp_path: Path) -> None:
    result = await _run(write_repo(tmp_path, CALC))
    assert (result.status, result.exit_code, result.failures) == (TestStatus.PASSED, 0, [])
    assert result.summary_for_model == "Tests passed (python -m pytest, full suite): 3 passed"
    assert [s.scope for s in result.stages] == ["full"]


async def test_related_tests_run_first_and_the_full_suite_only_on_request(tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "repo", {**CALC, "tests/test_other.py": "def test_other():\n    assert 1 == 2\n"}
    )
    edit = {"calc.py": (repo / "calc.py").read_text() + "\n# tidied\n"}
    related = await _run(repo, edit, related_first=True)
    assert (related.status, related.scope) == (TestStatus.PASSED, "related")
    assert related.command_line.endswith(" tests/test_calc.py")
    assert related.summary_for_model == (
        "Tests passed (python -m pytest tests/test_calc.py, related tests: test files that import calc):"
        " 2 passed"
    )
    both = await _run(repo, edit, related_first=True, full=True)
    assert (both.status, both.scope) == (TestStatus.FAILED, "full")
    assert [(s.scope, s.status) for s in both.stages] == [
        ("related", TestStatus.PASSED),
        ("full", TestStatus.FAILED),
    ]
    assert [f.name for f in both.failures] == ["tests/test_other.py::test_other"]
    assert both.selection is not None and both.selection.targets == ["tests/test_calc.py"]
    assert both.duration_s == pytest.approx(sum(s.duration_s for s in both.stages))


async def test_failing_related_tests_stop_before_the_full_suite(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", CALC)
    result = await _run(
        repo, {"calc.py": "def add(a, b):\n    return 5\n\n\ndef mean(v):\n    return 2\n"},
        related_first=True, full=True,
    )  # fmt: skip
    assert (result.status, result.scope) == (TestStatus.FAILED, "related")
    assert [s.scope for s in result.stages] == ["related"]
    assert [f.name for f in result.failures] == ["tests/test_calc.py::test_add"]


async def test_the_candidate_is_what_runs_and_the_repository_is_untouched(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", CALC)
    before = snapshot(repo)
    fixed_bug_in_candidate_only = {
        "calc.py": "def add(a, b):\n    return a * b\n\n\ndef mean(v):\n    return 2\n"
    }
    result = await _run(repo, fixed_bug_in_candidate_only)
    # 2 * 2 == 4 passes either way; mean([1, 3]) == 2 only passes with the candidate's mean.
    assert result.status is TestStatus.PASSED, result.summary_for_model
    assert snapshot(repo) == before  # no __pycache__, no .pytest_cache, no edit
    assert not list(repo.rglob("__pycache__")) and not (repo / ".pytest_cache").exists()


async def test_a_module_that_does_not_import_is_an_error_naming_the_syntax_error(
    tmp_path: Path,
) -> None:
    repo = write_repo(tmp_path / "repo", CALC)
    result = await _run(repo, {"calc.py": "def add(a, b)\n    return a + b\n"})
    assert result.status is TestStatus.ERROR
    [failure] = result.failures
    assert (failure.name, failure.error) == ("tests/test_calc.py", True)
    assert failure.message.endswith("SyntaxError: expected ':'")
    assert 'File "calc.py", line 1' in failure.message
    assert "ERROR tests/test_calc.py" in result.summary_for_model


async def test_no_tests_to_run_is_a_pass_that_says_so(tmp_path: Path) -> None:
    repo = write_repo(tmp_path, {"tests/test_empty.py": "import os\n", "pytest.ini": "[pytest]\n"})
    result = await _run(repo)
    assert (result.status, result.exit_code, result.detail) == (
        TestStatus.PASSED,
        5,
        "no tests ran",
    )


HANGING = {
    "tests/test_hang.py": """
        import os
        import subprocess
        import sys
        import threading


        def test_hangs():
            child = subprocess.Popen([sys.executable, "-c", "import threading; threading.Event().wait()"])
            with open(os.environ["HANG_PID_FILE"], "w") as out:
                out.write(str(child.pid))
            threading.Event().wait()
        """,
}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie has died; only its parent has not reaped it


async def test_a_hanging_test_is_killed_with_its_children_at_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_repo(tmp_path / "repo", HANGING)
    pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("HANG_PID_FILE", str(pid_file))
    result = await _run(repo, timeout_s=3)
    assert result.status is TestStatus.TIMED_OUT
    assert result.exit_code is None
    assert "killed after 3 s" in result.detail
    assert "tests/test_hang.py" in result.output_tail  # how far it got, unbuffered
    assert result.summary_for_model.startswith(
        "Tests timed out (python -m pytest, full suite): killed after 3 s"
    )
    assert result.duration_s < 30  # the limit held (generous: a loaded machine is slow to start)
    assert not _alive(int(pid_file.read_text()))


async def test_cancelling_a_run_kills_its_process_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = write_repo(tmp_path / "repo", HANGING)
    fifo = tmp_path / "child.pid"
    os.mkfifo(fifo)
    monkeypatch.setenv("HANG_PID_FILE", str(fifo))
    task = asyncio.create_task(_run(repo, timeout_s=120))
    # Opening the FIFO blocks until the test opens it to write: the child exists then.
    pid = int(await asyncio.to_thread(fifo.read_text))
    assert _alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not _alive(pid)


async def test_a_configured_shell_command_runs_and_its_pytest_output_is_recognised(
    tmp_path: Path,
) -> None:
    repo = write_repo(tmp_path / "repo", CALC)
    command = configured_command(f"{sys.executable} -m pytest tests && echo done")
    with candidate_tree(
        repo, {"calc.py": "def add(a, b):\n    return 3\n\n\ndef mean(v):\n    return 2\n"}
    ) as view:
        result = await run_tests(
            command, view, changed=["calc.py"], related_first=True, timeout_s=60
        )
    assert (result.status, result.scope) == (
        TestStatus.FAILED,
        "full",
    )  # no narrowing for shell commands
    assert [(f.name, f.message) for f in result.failures] == [
        ("tests/test_calc.py::test_add", "assert 3 == 4\n +  where 3 = add(2, 2)")
    ]
    assert result.command_line.startswith("/bin/sh -c ")
    assert not (repo / ".pytest_cache").exists()


async def test_a_program_the_command_needs_but_is_missing_could_not_run(tmp_path: Path) -> None:
    repo = write_repo(tmp_path, CALC)
    result = await run_tests(
        configured_command("ingle-no-such-test-tool --all"),
        repo,
        changed=[],
        related_first=True,
        timeout_s=30,
    )
    assert (result.status, result.exit_code) == (TestStatus.COULD_NOT_RUN, 127)
    assert "not found" in result.output_tail
    assert result.summary_for_model.startswith(
        "Tests could not run (ingle-no-such-test-tool --all, full suite)"
    )


async def test_vitest_not_installed_could_not_run_with_how_to_install(tmp_path: Path) -> None:
    repo = write_repo(
        tmp_path / "repo",
        {
            "package.json": '{"name": "x", "devDependencies": {"vitest": "^3"}}',
            "vitest.config.js": "",
        },
    )
    command = detect_test_command(repo)
    assert command is not None and command.kind is TestKind.VITEST
    result = await run_tests(
        command,
        repo,
        changed=[],
        related_first=False,
        timeout_s=30,
        tools=TestTools(cache_dir=tmp_path / "cache"),
    )
    assert (result.status, result.detail, result.install_hint) == (
        TestStatus.COULD_NOT_RUN,
        "vitest is not installed in node_modules",
        "run `npm install` in the repository",
    )
    assert result.summary_for_model == (
        "Tests could not run (vitest run, full suite): vitest is not installed in node_modules."
        " run `npm install` in the repository"
    )
