"""The test gate on real JS projects in tmp dirs: `npm test` running node's built-in
test runner (no npm install needed) on a candidate tree, TAP and spec output trimmed,
the candidate's edits seen although Node resolves symlinks, and the time limit
killing npm, node and the test process below them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.core.test_runs import TestTools, detect_test_command, run_tests
from ingle.core.test_runs.models import OutputFormat, TestKind, TestRunResult, TestStatus
from tests.gate_corpus.toolchain import gate_settings, require
from tests.test_repos.writer import snapshot, write_repo

pytestmark = pytest.mark.toolchain

CALC_JS = """exports.add = (a, b) => a + b;
exports.root = (x) => {
  if (x < 0) throw new RangeError(`negative input ${x}`);
  return Math.sqrt(x);
};
"""


def _repo(root: Path, reporter: str = "tap", **files: str) -> Path:
    script = {"test": f"node --test --test-reporter={reporter}"}
    return write_repo(
        root,
        {
            "package.json": json.dumps({"name": "calc", "version": "1.0.0", "scripts": script}),
            "lib/calc.js": CALC_JS,
            "test/calc.test.js": """
                const test = require('node:test');
                const assert = require('node:assert');
                const { add, root } = require('../lib/calc');

                test('adds', () => {
                  assert.strictEqual(add(2, 2), 4);
                });

                test('roots', () => {
                  assert.strictEqual(root(9), 3);
                });
                """,
            **files,
        },
    )


@pytest.fixture
def tools(tmp_path: Path) -> TestTools:
    require("node")
    return TestTools(gates=gate_settings(), cache_dir=tmp_path / "cache")


async def _run(
    repo: Path, tools: TestTools, edits: dict[str, str], timeout_s: float = 60
) -> TestRunResult:
    command = detect_test_command(repo)
    assert command is not None and command.kind is TestKind.NPM
    assert command.output_format is OutputFormat.NODE
    with candidate_tree(repo, edits) as view:
        return await run_tests(
            command, view, changed=list(edits), related_first=True, timeout_s=timeout_s, tools=tools
        )


BROKEN = {"lib/calc.js": CALC_JS.replace("a + b", "a - b").replace("x < 0", "x < 10")}


async def test_tap_output_is_trimmed_to_failing_tests(tmp_path: Path, tools: TestTools) -> None:
    repo = _repo(tmp_path / "repo")
    before = snapshot(repo)
    result = await _run(repo, tools, BROKEN)
    assert (result.status, result.scope) == (TestStatus.FAILED, "full")
    assert result.summary_for_model == (
        "Tests failed (npm test, full suite): tests 2, pass 0, fail 2\n"
        "\n"
        "FAILED adds\n"
        "AssertionError: Expected values to be strictly equal:\n"
        "\n"
        "0 !== 4\n"
        "Trace:\n"
        "  TestContext.<anonymous> (test/calc.test.js:6:10)\n"
        "\n"
        "FAILED roots\n"
        "RangeError: negative input 9\n"
        "Trace:\n"
        "  TestContext.<anonymous> (test/calc.test.js:10:22)\n"
        "  exports.root (lib/calc.js:3:21)"
    )
    assert snapshot(repo) == before


async def test_spec_output_is_trimmed_to_failing_tests(tmp_path: Path, tools: TestTools) -> None:
    repo = _repo(tmp_path / "repo", reporter="spec")
    result = await _run(repo, tools, BROKEN)
    assert result.status is TestStatus.FAILED
    assert [
        (f.name, f.message.splitlines()[0], f.trace.splitlines()[-1]) for f in result.failures
    ] == [
        (
            "adds (test/calc.test.js:5:1)",
            "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
            "TestContext.<anonymous> (test/calc.test.js:6:10)",
        ),
        (
            "roots (test/calc.test.js:9:1)",
            "RangeError [Error]: negative input 9",
            "exports.root (lib/calc.js:3:21)",
        ),
    ]


async def test_node_sees_the_candidates_files_not_the_repositorys(
    tmp_path: Path, tools: TestTools
) -> None:
    # The repository is broken; only the candidate's fix makes the tests pass. Node
    # resolves symlinks, so without a real copy the test would load the broken lib.
    repo = _repo(tmp_path / "repo", **{"lib/calc.js": BROKEN["lib/calc.js"]})
    result = await _run(repo, tools, {"lib/calc.js": CALC_JS})
    assert result.status is TestStatus.PASSED, result.summary_for_model
    assert (
        result.summary_for_model == "Tests passed (npm test, full suite): tests 2, pass 2, fail 0"
    )


async def test_a_test_file_that_does_not_load_is_an_error(tmp_path: Path, tools: TestTools) -> None:
    repo = _repo(tmp_path / "repo")
    result = await _run(repo, tools, {"lib/calc.js": "exports.add = (a, b) => a +;\n"})
    assert result.status is TestStatus.ERROR
    [failure] = result.failures
    assert (failure.name, failure.error) == ("test/calc.test.js", True)
    assert failure.message.splitlines()[-1] == "SyntaxError: Unexpected token ';'"
    assert failure.message.splitlines()[0] == "lib/calc.js:1"
    assert failure.trace == "Object.<anonymous> (test/calc.test.js:3:23)"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


async def test_a_hanging_test_is_killed_through_npm_at_the_time_limit(
    tmp_path: Path, tools: TestTools, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "test-process.pid"
    monkeypatch.setenv("HANG_PID_FILE", str(pid_file))
    repo = _repo(
        tmp_path / "repo",
        **{
            "test/hang.test.js": """
                const test = require('node:test');
                const fs = require('node:fs');
                test('hangs', () => new Promise(() => {
                  fs.writeFileSync(process.env.HANG_PID_FILE, String(process.pid));
                  setInterval(() => {}, 1000);
                }));
                """
        },
    )
    result = await _run(repo, tools, {}, timeout_s=5)
    assert result.status is TestStatus.TIMED_OUT
    assert result.duration_s < 30
    assert not _alive(int(pid_file.read_text()))  # the test file's own node process
