"""Browser gate: real headless Chromium through Playwright, one browser for the module."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.gate_corpus.toolchain import (
    CORPUS,
    as_rows,
    case_id,
    copy_case,
    expected_cases,
    gate_env,
    require,
)
from ingle.validators.browser_gate import BrowserGate
from ingle.validators.results import GateStatus
from ingle.validators.settings import GateTimeouts

pytestmark = [pytest.mark.toolchain, pytest.mark.asyncio(loop_scope="module")]
CASES = expected_cases("browser")
PAGE_LIMIT_S = 5.0


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[BrowserGate]:
    """The default page limit (10 s): a busy CI machine must not turn slow pages red."""
    require("chromium")
    async with BrowserGate(gate_env()) as gate:
        yield gate


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def short_fuse() -> AsyncIterator[BrowserGate]:
    """A short page limit, for the pages that never finish."""
    require("chromium")
    async with BrowserGate(gate_env(timeouts=GateTimeouts(browser_page=PAGE_LIMIT_S))) as gate:
        yield gate


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
async def test_corpus_gives_exactly_the_expected_diagnostics(
    case: dict, tmp_path: Path, browser: BrowserGate
) -> None:
    root = copy_case(case["root"], tmp_path)
    result = await browser.run(case["files"], root)
    assert result.status.value == case["status"], result.detail
    assert as_rows(result.diagnostics) == case["diagnostics"]


async def test_one_browser_serves_every_page(tmp_path: Path, browser: BrowserGate) -> None:
    root = copy_case("browser", tmp_path)
    launches = browser.launches
    statuses = [
        (await browser.run([page], root)).status
        for page in ("good_canvas.html", "console_error.html", "good_canvas.html")
    ]
    assert statuses == [GateStatus.PASSED, GateStatus.FAILED, GateStatus.PASSED]
    assert browser.launches == launches


async def test_an_infinite_loop_hits_the_time_limit_and_the_browser_recovers(
    tmp_path: Path, short_fuse: BrowserGate
) -> None:
    root = copy_case("browser", tmp_path)
    stuck = await short_fuse.run(["infinite_loop.html"], root)
    ((path, line, column, severity, rule, message),) = as_rows(stuck.diagnostics)
    assert (path, line, column, severity, rule) == ("infinite_loop.html", 0, 0, "error", "timeout")
    # The loop starts at the second animation frame; on a loaded machine that frame can
    # come before the load event, and the load is what never finishes then.
    assert message in (
        f"page did not finish {phase} within {PAGE_LIMIT_S:g} s: an infinite loop or a long "
        "blocking task? (the tab was closed)"
        for phase in ("running 30 animation frames", "loading")
    ), message
    # The limit held: the page's time plus closing the stuck tab, not an endless wait.
    assert stuck.duration_s < PAGE_LIMIT_S + 10
    (root / "plain.html").write_text("<p>the next page</p>")
    after = await short_fuse.run(["plain.html"], root)
    assert after.status is GateStatus.PASSED, after.diagnostics


async def test_a_page_that_loops_before_load_is_stopped_too(
    tmp_path: Path, short_fuse: BrowserGate
) -> None:
    (tmp_path / "hang.html").write_text("<script>for (;;) {}</script>")
    (tmp_path / "ok.html").write_text("<p>fine</p>")
    stuck = await short_fuse.run(["hang.html"], tmp_path)
    assert [d.message.split(":")[0] for d in stuck.diagnostics] == [
        f"page did not finish loading within {PAGE_LIMIT_S:g} s"
    ]
    assert (await short_fuse.run(["ok.html"], tmp_path)).status is GateStatus.PASSED


async def test_the_same_path_in_a_new_tree_is_loaded_fresh(
    tmp_path: Path, browser: BrowserGate
) -> None:
    """Each attempt is a new candidate tree with the same file names: never a cached page."""
    first, second = tmp_path / "attempt1", tmp_path / "attempt2"
    for root, body in ((first, "null.boom();"), (second, "document.title = 'ok';")):
        root.mkdir()
        (root / "index.html").write_text('<script src="app.js"></script>')
        (root / "app.js").write_text(body)
    assert (await browser.run(["index.html"], first)).status is GateStatus.FAILED
    assert (await browser.run(["index.html"], second)).status is GateStatus.PASSED


async def test_websockets_off_the_page_server_are_blocked(
    tmp_path: Path, browser: BrowserGate
) -> None:
    (tmp_path / "live.html").write_text(
        "<script>const ws = new WebSocket('wss://live.example.com/feed');"
        "ws.onerror = () => {};</script>"
    )
    result = await browser.run(["live.html"], tmp_path)
    assert [(d.severity.value, d.rule) for d in result.diagnostics] == [
        ("warning", "blocked-request")
    ]
    assert "wss://live.example.com/feed" in result.diagnostics[0].message


async def test_late_frame_errors_are_caught_only_by_running_the_frames(tmp_path: Path) -> None:
    """The page's loop starts at load, before our frame count does, so after our N
    frames it has run at least N; with 2 frames it is ~58 frames short of its error."""
    require("chromium")
    (tmp_path / "late.html").write_text(
        "<script>let n = 0; function f() { n += 1; if (n === 60) { fish.swim(); }\n"
        "  requestAnimationFrame(f); }\n"
        "addEventListener('load', () => requestAnimationFrame(f));</script>"
    )
    # At display pacing (60 fps) the margins are wall-clock wide: ~1 s between frame 2 and 60.
    async with BrowserGate(gate_env(frames=2, settle_ms=0, uncapped_frames=False)) as two_frames:
        missed = await two_frames.run(["late.html"], tmp_path)
    assert missed.status is GateStatus.PASSED  # what a load-and-look check would say
    async with BrowserGate(
        gate_env(frames=70, settle_ms=0, uncapped_frames=False)
    ) as seventy_frames:
        caught = await seventy_frames.run(["late.html"], tmp_path)
    assert as_rows(caught.diagnostics) == [
        ["late.html", 1, 59, "error", "pageerror", "ReferenceError: fish is not defined"]
    ]


async def test_a_screenshot_is_saved_when_asked(tmp_path: Path) -> None:
    require("chromium")
    root = copy_case("browser", tmp_path)
    shots = tmp_path / "shots"
    # A loaded 2-core machine can take longer than the default page limit for the first page
    # of a cold browser plus its screenshot; this test is about the screenshot, not the limit.
    slow_ok = gate_env(screenshot_dir=str(shots), frames=3, timeouts={"browser_page": 120})
    async with BrowserGate(slow_ok) as gate:
        result = await gate.run(["game/index.html"], root)
    assert result.artifacts == [str(shots / "game__index.html.png")], result.diagnostics
    assert (shots / "game__index.html.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_no_browser_is_could_not_run_with_how_to_install(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<p>hi</p>")
    gate = BrowserGate(gate_env(browser_executable=str(tmp_path / "no-chromium")))
    result = await gate.run(["a.html"], tmp_path)
    await gate.close()
    assert result.status is GateStatus.COULD_NOT_RUN
    assert result.detail == f"no Chromium or Chrome found in {tmp_path / 'no-chromium'}"
    assert result.install_hint.startswith("apt-get install chromium")


async def test_a_program_that_is_not_a_browser_is_could_not_run(tmp_path: Path) -> None:
    false = shutil.which("false")
    assert false is not None
    (tmp_path / "a.html").write_text("<p>hi</p>")
    gate = BrowserGate(gate_env(browser_executable=os.path.realpath(false)))
    result = await gate.run(["a.html"], tmp_path)
    await gate.close()
    assert result.status is GateStatus.COULD_NOT_RUN
    assert result.detail.startswith(f"{os.path.realpath(false)} would not start: ")


async def test_files_with_no_page_are_not_applicable(tmp_path: Path, browser: BrowserGate) -> None:
    shutil.copy(CORPUS / "javascript/good.js", tmp_path / "good.js")
    result = await browser.run(["good.js"], tmp_path)
    assert result.status is GateStatus.NOT_APPLICABLE


async def test_a_page_that_redirects_itself_is_not_a_failure(
    tmp_path: Path, browser: BrowserGate
) -> None:
    (tmp_path / "start.html").write_text(
        "<script>requestAnimationFrame(() => { location.href = 'next.html'; });</script>"
    )
    (tmp_path / "next.html").write_text("<p>arrived</p>")
    result = await browser.run(["start.html"], tmp_path)
    assert result.status is GateStatus.PASSED
    # Whether our frame count started before or after the redirect landed is a race;
    # either way the gate passes, at most noting the navigation.
    notes = [(d.severity.value, d.rule) for d in result.diagnostics]
    assert notes in ([], [("info", "navigated")])
