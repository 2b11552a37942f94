"""Browser gate: load changed pages in headless Chromium and report what breaks.

One browser is launched once and kept for every page and turn (a kept page re-navigates
in ~50 ms; a new page costs ~300 ms). Pages come from a loopback HTTP server rooted at
the checked tree; every other request is blocked and reported. Collected: uncaught
exceptions and promise rejections, console errors, failed loads and HTTP errors, over
N animation frames plus a short settle (errors often start on frame 2+). Underneath the
interception, Chromium's own network goes to a dead proxy (see chromium.network_args),
so nothing the page does (keepalive beacons on unload, WebRTC, port probes by
navigation) reaches the network or another loopback service. A page that
never finishes (an infinite loop) hits the time limit, is reported, and its tab is
closed; if it will not close, the context and then the browser are replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote

from ingle.validators.chromium import find_chromium, launch_args, network_args, sandboxed
from ingle.validators.discovery import INSTALL_HINTS
from ingle.validators.gate import GateEnv, Stopwatch, could_not_run, finished, not_applicable
from ingle.validators.page_finder import PAGE_SUFFIXES, pages_for
from ingle.validators.page_report import PageReport
from ingle.validators.page_server import PageServer
from ingle.validators.results import Diagnostic, GateResult, Severity

# Counts frames on the page's own requestAnimationFrame, then lets timers settle.
RUN_FRAMES = """([frames, settleMs]) => new Promise((resolve) => {
  let seen = 0;
  const settle = () => setTimeout(() => resolve(seen), settleMs);
  const tick = () => { seen += 1; if (seen >= frames) settle(); else requestAnimationFrame(tick); };
  if (frames > 0) requestAnimationFrame(tick); else settle();
})"""
_CLOSE_LIMIT_S = 5.0


class BrowserUnavailable(Exception):
    """The browser died and a new one would not start."""


class BrowserGate:
    """Use as `async with BrowserGate(env) as gate:`; `run()` starts it on demand too."""

    name = "browser"
    suffixes = PAGE_SUFFIXES

    def __init__(self, env: GateEnv) -> None:
        self.env = env
        self._playwright: Any = None
        self._browser: Any = None
        self._context: Any = None
        self._page: Any = None
        self._server: PageServer | None = None
        self._report: PageReport | None = None  # the page being checked, for event handlers
        self._lock = asyncio.Lock()
        self.executable: Path | None = None
        self.launches = 0

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> str:
        """Launch the browser if it is not running. Returns '' or why it cannot run."""
        if self._browser is not None and self._browser.is_connected():
            return ""
        found = find_chromium(self.env.settings)
        if found is None:
            where = self.env.settings.browser_executable or "the usual places"
            return f"no Chromium or Chrome found in {where}"
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        self.executable = found[0]
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        if self._server is None:  # first: the browser's network flags name its port
            self._server = PageServer()
        server = self._server
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=str(self.executable),
                args=[*launch_args(self.env.settings), *network_args(server.origin, server.dead_proxy)],
                chromium_sandbox=sandboxed(),
                timeout=self.env.settings.timeouts.browser_start * 1000,
            )
        except PlaywrightError as exc:
            self._browser = None
            return f"{self.executable} would not start: {str(exc).splitlines()[0]}"
        self.launches += 1
        self._context = self._page = None
        return ""

    async def close(self) -> None:
        # Shutting down: a browser that will not close has nothing left to report.
        if self._browser is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_LIMIT_S):
                    await self._browser.close()
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_LIMIT_S):
                    await self._playwright.stop()
        self._browser = self._playwright = self._context = self._page = None
        if self._server is not None:
            self._server.close()
            self._server = None

    async def run(self, files: Sequence[str], root: Path) -> GateResult:
        watch = Stopwatch()
        pages = pages_for(files, root)
        if not pages:
            return not_applicable(self.name)
        async with self._lock:  # one page at a time: parallel pages are slower on 2 cores
            problem = await self.start()
            if problem:
                return could_not_run(self.name, pages, problem, INSTALL_HINTS["chromium"], watch)
            assert self._server is not None
            self._server.serve(root)
            diagnostics: list[Diagnostic] = []
            artifacts: list[str] = []
            for page in pages:
                report = await self._check_page(page)
                diagnostics.extend(report.diagnostics)
                artifacts.extend(report.artifacts)
        settings = self.env.settings
        detail = f"{len(pages)} page(s), {settings.frames} frames + {settings.settle_ms} ms each"
        detail += f" in {self._browser.version if self._browser else 'Chromium'}"
        return finished(self.name, pages, diagnostics, watch, detail, artifacts)

    async def _check_page(self, rel: str) -> PageReport:
        from playwright.async_api import Error as PlaywrightError

        assert self._server is not None
        settings = self.env.settings
        limit = settings.timeouts.browser_page
        report = PageReport(page=rel, origin=self._server.origin)
        self._report = report
        phase = "loading"
        try:
            async with asyncio.timeout(limit):
                page = await self._ensure_page()
                await page.goto(f"{report.origin}/{quote(rel)}", wait_until="load", timeout=0)
                phase = f"running {settings.frames} animation frames"
                report.frames = await page.evaluate(
                    RUN_FRAMES, [settings.frames, settings.settle_ms]
                )
                await page.evaluate("0")  # one more round trip: rejections queued last
                if settings.screenshot_dir:
                    report.artifacts.append(await self._screenshot(page, rel))
            self._report = None
            await self._park(page)
        except TimeoutError:
            report.add(
                f"page did not finish {phase} within {limit:g} s: an infinite loop or a "
                "long blocking task? (the tab was closed)",
                rule="timeout",
            )
            await self._recover()
        except BrowserUnavailable as exc:
            report.add(f"the browser could not be restarted: {exc}", rule="browser")
        except PlaywrightError as exc:
            first_line = str(exc).splitlines()[0]
            if "Execution context was destroyed" in first_line:
                # The page navigated itself (a redirect, a form post): not a failure.
                report.add(
                    f"the page navigated away while {phase}", "navigated", severity=Severity.INFO
                )
            else:
                report.add(f"browser error while {phase}: {first_line}", rule="browser")
            await self._recover()
        finally:
            self._report = None
        return report

    async def _park(self, page: Any) -> None:
        """Send the kept tab to about:blank: the page's animation loop must not run on
        between checks, nor its late events reach the next page's report. A page that
        will not let go costs its tab, not a diagnostic: its check is already done."""
        try:
            async with asyncio.timeout(_CLOSE_LIMIT_S):
                await page.goto("about:blank")
        except Exception:  # noqa: BLE001 - any failure here is handled the same way
            await self._recover()

    async def _ensure_page(self) -> Any:
        if self._browser is None or not self._browser.is_connected():
            problem = await self.start()  # the last page took the browser down with it
            if problem:
                raise BrowserUnavailable(problem)
        if self._context is None:
            self._context = await self._browser.new_context(service_workers="block")
            await self._context.route("**/*", self._route)
            await self._context.route_web_socket(re.compile(".*"), self._route_web_socket)
        if self._page is None or self._page.is_closed():
            self._page = await self._context.new_page()
            self._page.on(
                "pageerror", lambda error: self._report and self._report.page_error(error)
            )
            self._page.on("console", lambda message: self._report and self._report.console(message))
            self._page.on(
                "response", lambda response: self._report and self._report.response(response)
            )
            self._page.on(
                "requestfailed", lambda request: self._report and self._report.failed(request)
            )
        return self._page

    async def _route(self, route: Any) -> None:
        url: str = route.request.url
        assert self._server is not None
        if url.startswith((self._server.origin + "/", "data:", "blob:")):
            await route.continue_()
            return
        if self._report is not None:
            self._report.blocked(url)
        await route.abort("blockedbyclient")

    async def _route_web_socket(self, socket: Any) -> None:
        if self._report is not None:
            self._report.blocked(socket.url)
        await socket.close(code=1008, reason="network access is blocked in Ingle's browser gate")

    async def _screenshot(self, page: Any, rel: str) -> str:
        directory = Path(self.env.settings.screenshot_dir or ".").expanduser()
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / (rel.replace("/", "__") + ".png")
        await page.screenshot(path=str(target))
        return str(target)

    async def _recover(self) -> None:
        """Close the stuck tab; failing that the context; failing that the browser."""
        page, self._page = self._page, None
        for victim in (page, self._context):
            if victim is None:
                continue
            try:
                async with asyncio.timeout(_CLOSE_LIMIT_S):
                    await (
                        victim.close(run_before_unload=False) if victim is page else victim.close()
                    )
                return
            except Exception:  # noqa: BLE001 - escalate to the next, bigger hammer
                if victim is self._context:
                    self._context = None
        browser, self._browser, self._context = self._browser, None, None
        if browser is not None:  # the next start() launches a fresh one
            with contextlib.suppress(Exception):
                async with asyncio.timeout(_CLOSE_LIMIT_S):
                    await browser.close()
