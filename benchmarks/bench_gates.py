"""Gate speed: every gate on a small good file, each next to a baseline from the same run.

The browser gate is measured as the turn uses it: one browser kept alive, one tab
re-navigated per page (simple canvas page, 30 animation frames + settle), against the
same check done with a new tab per page; plus a cold start (driver, launch, first
page). Compile gates run warm (their first, untimed run fills caches) against the bare
tool they wrap. Tools come from INGLE_TEST_TOOLS (default <repo>/.ingle-tools), as in
the tests: run tests/install_toolchains.sh first.

    .venv/bin/python benchmarks/bench_gates.py [--runs 9] [--go-cold]

Target (issue 5): browser gate per page with a warm browser < 500 ms for the canvas page
at 30 frames. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.gate_corpus.toolchain import CORPUS, gate_env
from ingle.validators.browser_gate import RUN_FRAMES, BrowserGate
from ingle.validators.chromium import find_chromium, launch_args
from ingle.validators.discovery import find_go, find_javac, find_node, find_npm_tool
from ingle.validators.gate import GateEnv
from ingle.validators.go_gate import GoGate
from ingle.validators.java_gate import JavaGate
from ingle.validators.javascript_gate import JavaScriptGate
from ingle.validators.page_server import PageServer
from ingle.validators.process import run_tool
from ingle.validators.python_gate import PythonGate
from ingle.validators.results import GateResult, GateStatus
from ingle.validators.typescript_gate import TypeScriptGate

Timed = Callable[[], Awaitable[object]]
ROWS: list[tuple[str, str, list[float], str, list[float]]] = []


async def measure(runs: int, action: Timed, warmups: int = 1) -> list[float]:
    for _ in range(warmups):
        await action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await action()
        times.append(time.perf_counter() - started)
    return times


def row(
    gate: str, case: str, times: list[float], baseline: str = "", base: list[float] | None = None
) -> None:
    ROWS.append((gate, case, times, baseline, base or []))
    print(f"  measured {gate}: {case}", flush=True)


def checked(result: GateResult) -> GateResult:
    if result.status is not GateStatus.PASSED:
        raise SystemExit(f"{result.gate} did not pass on a good file: {result.model_dump_json()}")
    return result


async def bench_browser(env: GateEnv, root: Path, runs: int) -> None:
    found = find_chromium(env.settings)
    if found is None:
        print("  browser: no Chromium, skipped")
        return
    page = "good_canvas.html"
    async with BrowserGate(env) as gate:
        kept = await measure(runs, lambda: gate.run([page], root))
        checked(await gate.run([page], root))
    async with BrowserGate(gate_env(uncapped_frames=False)) as gate:
        display = await measure(runs, lambda: gate.run([page], root))
    async with BrowserGate(gate_env(frames=0)) as gate:
        load_only = await measure(runs, lambda: gate.run([page], root))
    fresh_tab = await new_tab_per_page(found[0], root, page, env, runs)
    row("browser", "canvas, 30 frames, kept tab", kept, "new tab per page", fresh_tab)
    row("browser", "canvas, 30 frames at 60 fps", display, "uncapped frames", kept)
    row("browser", "canvas, 0 frames (load+settle)", load_only, "30 frames, kept tab", kept)

    async def cold() -> None:
        async with BrowserGate(env) as fresh:
            checked(await fresh.run([page], root))

    row(
        "browser",
        "cold: driver+launch+first page",
        await measure(max(3, runs // 3), cold, warmups=0),
    )


async def new_tab_per_page(
    executable: Path, root: Path, page: str, env: GateEnv, runs: int
) -> list[float]:
    """The baseline: the same browser, server and frames, but a new tab for every page."""
    from playwright.async_api import async_playwright

    server = PageServer()
    server.serve(root)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(executable), args=launch_args(env.settings)
            )
            context = await browser.new_context()

            async def check() -> None:
                tab = await context.new_page()
                tab.on("pageerror", lambda error: None)
                await tab.goto(f"{server.origin}/{page}", wait_until="load")
                await tab.evaluate(RUN_FRAMES, [env.settings.frames, env.settings.settle_ms])
                await tab.close()

            times = await measure(runs, check)
            await browser.close()
    finally:
        server.close()
    return times


async def bench_go(env: GateEnv, tmp: Path, runs: int, cold: bool) -> None:
    tool = find_go(env.settings)
    if tool is None:
        print("  go: not installed, skipped")
        return
    root = tmp / "go"
    shutil.copytree(CORPUS / "go" / "modern", root)
    gate = GoGate(env)
    warm = await measure(runs, lambda: gate.run(["main.go"], root))
    checked(await gate.run(["main.go"], root))
    toolchain = gate.toolchain()
    assert toolchain is not None
    bare = await measure(
        runs, lambda: toolchain.go(["build", "-o", os.devnull, "."], root, tmp / "gopath", 300)
    )
    row("go", "module, build + vet (warm cache)", warm, "bare go build", bare)
    if cold:
        cold_env = env.model_copy(update={"tools_dir": tmp / "cold-tools"})
        cold_times = await measure(1, lambda: GoGate(cold_env).run(["main.go"], root), warmups=0)
        row("go", "cold cache (compiles the stdlib)", cold_times, "warm", warm)


async def bench_java(env: GateEnv, tmp: Path, runs: int) -> None:
    javac = find_javac(env.settings)
    if javac is None:
        print("  java: javac not installed, skipped")
        return
    root = tmp / "java"
    shutil.copytree(CORPUS / "java" / "good", root)
    app = "src/main/java/com/example/App.java"
    gate = JavaGate(env)
    times = await measure(runs, lambda: gate.run([app], root))
    checked(await gate.run([app], root))
    plain = [*javac.argv, "-d", str(tmp / "java-out"), "-sourcepath", "src/main/java", app]
    bare = await measure(runs, lambda: run_tool(plain, cwd=root, timeout_s=120))
    row("java", "2 classes, javac -Xlint", times, "javac without speed flags", bare)


async def bench_python(env: GateEnv, tmp: Path, runs: int) -> None:
    root = tmp / "python"
    root.mkdir()
    shutil.copy(CORPUS / "python" / "good.py", root / "good.py")
    gate = PythonGate(env)
    times = await measure(runs, lambda: gate.run(["good.py"], root))
    checked(await gate.run(["good.py"], root))
    argv = [sys.executable, "-m", "py_compile", "good.py"]
    bare = await measure(runs, lambda: run_tool(argv, cwd=root, timeout_s=60))
    row("python", "compile + ruff", times, "python -m py_compile", bare)


async def bench_javascript(env: GateEnv, tmp: Path, runs: int) -> None:
    node = find_node(env.settings)
    if node is None or find_npm_tool("eslint", None, None, env.npm_prefix, node) is None:
        print("  javascript: node or ESLint missing, skipped")
        return
    root = tmp / "js"
    root.mkdir()
    shutil.copy(CORPUS / "javascript" / "good.js", root / "good.js")
    gate = JavaScriptGate(env)
    times = await measure(runs, lambda: gate.run(["good.js"], root))
    checked(await gate.run(["good.js"], root))
    bare = await measure(
        runs, lambda: run_tool([*node.argv, "--check", "good.js"], cwd=root, timeout_s=60)
    )
    row("javascript", "node --check + ESLint", times, "node --check alone", bare)


async def bench_typescript(env: GateEnv, tmp: Path, runs: int) -> None:
    node = find_node(env.settings)
    tsc = node and find_npm_tool("tsc", None, None, env.npm_prefix, node)
    if not tsc:
        print("  typescript: tsc missing, skipped")
        return
    root = tmp / "ts"
    root.mkdir()
    shutil.copy(CORPUS / "typescript" / "good.ts", root / "good.ts")
    gate = TypeScriptGate(env)
    times = await measure(runs, lambda: gate.run(["good.ts"], root))
    checked(await gate.run(["good.ts"], root))
    bare = await measure(runs, lambda: run_tool([*tsc.argv, "--version"], cwd=root, timeout_s=60))
    row("typescript", "tsc --noEmit, default config", times, "tsc --version (start-up)", bare)


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.0f}" if values else " " * 8


def print_table() -> None:
    print()
    print(f"{'gate':<11} {'case':<34} {'median ms':>9} {'p90 ms':>8} {'n':>3}  "
          f"{'baseline':<28} {'base ms':>8} {'ratio':>6}")  # fmt: skip
    for gate, case, times, baseline, base in ROWS:
        p90 = sorted(times)[max(0, int(len(times) * 0.9) - 1)]
        ratio = f"{statistics.median(times) / statistics.median(base):6.2f}" if base else ""
        print(f"{gate:<11} {case:<34} {ms(times):>9} {p90 * 1000:8.0f} {len(times):>3}  "
              f"{baseline:<28} {ms(base):>8} {ratio:>6}")  # fmt: skip
    browser = next((t for g, c, t, _, _ in ROWS if c.startswith("canvas, 30")), None)
    if browser:
        median = statistics.median(browser) * 1000
        verdict = "meets" if median < 500 else "misses"
        print(
            f"\ntarget: browser gate, warm, canvas page at 30 frames < 500 ms: {median:.0f} ms ({verdict})"
        )
        print("note: at 60 fps (gates.uncapped_frames = false) 30 frames alone take ~500 ms; the")
        print(
            "      0-frame row is load + the 250 ms settle for timers + parking the tab: the floor."
        )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--go-cold", action="store_true", help="also a Go build with an empty cache"
    )
    args = parser.parse_args()
    env = gate_env()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-gates-") as name:
        tmp = Path(name)
        pages = tmp / "pages"
        shutil.copytree(CORPUS / "browser", pages)
        await bench_browser(env, pages, args.runs)
        await bench_go(env, tmp, args.runs, args.go_cold)
        await bench_java(env, tmp, args.runs)
        await bench_python(env, tmp, args.runs)
        await bench_javascript(env, tmp, args.runs)
        await bench_typescript(env, tmp, args.runs)
    print_table()


if __name__ == "__main__":
    asyncio.run(main())
