"""The gates generate_code runs, kept for the server's life (one browser for every HTML page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.config.loader import LoadedConfig
from ingle.validators.results import GateResult, GateStatus

if TYPE_CHECKING:
    from ingle.validators.browser_gate import BrowserGate
    from ingle.validators.gate import GateEnv


class SnippetGates:
    def __init__(self, loaded: LoadedConfig) -> None:
        self.loaded = loaded
        self._env: GateEnv | None = None
        self._browser: BrowserGate | None = None

    def _gate_env(self) -> GateEnv:
        if self._env is None:
            from ingle.validators.gate import GateEnv

            self._env = GateEnv(
                settings=self.loaded.settings.gates, tools_dir=self.loaded.dirs.tools
            )
        return self._env

    async def check(self, gate_language: str, code: str) -> GateResult:
        """check_snippet on one block; a gate switched off in config is reported, not run."""
        from ingle.validators.snippets import LANGUAGES, check_snippet

        env = self._gate_env()
        gate_name = LANGUAGES.get(gate_language, gate_language)
        if gate_name not in env.settings.enabled:
            return GateResult(
                gate=gate_name,
                status=GateStatus.NOT_APPLICABLE,
                detail=f"the {gate_name} gate is switched off (gates.enabled in your config)",
            )
        browser = None
        if gate_name == "browser":
            browser = self._browser_gate(env)
        return await check_snippet(gate_language, code, env, browser)

    def _browser_gate(self, env: GateEnv) -> BrowserGate:
        if self._browser is None:
            from ingle.validators.browser_gate import BrowserGate

            self._browser = BrowserGate(env)  # launches Chromium on its first page
        return self._browser

    async def aclose(self) -> None:
        browser, self._browser = self._browser, None
        if browser is not None:
            await browser.close()
