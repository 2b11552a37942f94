"""Which gates apply to which changed files, and running them.

`GateRunner` is what the engine holds: one instance of each gate and the browser kept
alive across turns. `run(files, root)` yields each GateResult as it finishes (the turn
shows them as they come); `report()` collects them in gate order. Gates run two at a
time (the target machine has two cores).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Self

from ingle.validators.browser_gate import BrowserGate
from ingle.validators.gate import Gate, GateEnv, could_not_run
from ingle.validators.go_gate import GoGate
from ingle.validators.java_gate import JavaGate
from ingle.validators.javascript_gate import JavaScriptGate
from ingle.validators.page_finder import ASSET_SUFFIXES, PAGE_SUFFIXES
from ingle.validators.python_gate import PythonGate
from ingle.validators.results import GateResult, GatesReport
from ingle.validators.settings import GateSettings
from ingle.validators.typescript_gate import TypeScriptGate

_PARALLEL = 2


class GateRunner:
    def __init__(
        self,
        settings: GateSettings,
        tools_dir: Path,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.env = GateEnv(settings=settings, tools_dir=tools_dir, progress=progress)
        self.browser = BrowserGate(self.env)
        self.gates: dict[str, Gate] = {
            "python": PythonGate(self.env),
            "go": GoGate(self.env),
            "java": JavaGate(self.env),
            "javascript": JavaScriptGate(self.env),
            "typescript": TypeScriptGate(self.env),
            "browser": self.browser,
        }

    async def __aenter__(self) -> Self:
        return self  # the browser starts on the first page that needs it

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.browser.close()

    def plan(
        self, files: Sequence[str], root: Path, only: Sequence[str] | None = None
    ) -> dict[str, list[str]]:
        """{gate name: its files}, for enabled gates (and `only`, if given), in gate order.
        Files that no longer exist (deleted by the change) are not gated."""
        enabled = [g for g in self.gates if g in self.env.settings.enabled]
        if only is not None:
            enabled = [g for g in enabled if g in only]
        plan: dict[str, list[str]] = {}
        for rel in files:
            if not (root / rel).is_file():
                continue
            lower = rel.lower()
            for name in enabled:
                gate = self.gates[name]
                web = name == "browser" and lower.endswith(PAGE_SUFFIXES + ASSET_SUFFIXES)
                if web or (name != "browser" and lower.endswith(gate.suffixes)):
                    plan.setdefault(name, []).append(rel)
        return {name: plan[name] for name in enabled if name in plan}

    async def run(
        self, files: Sequence[str], root: Path, only: Sequence[str] | None = None
    ) -> AsyncIterator[GateResult]:
        """Each applicable gate's result, as soon as it is known."""
        slots = asyncio.Semaphore(_PARALLEL)

        async def one(name: str, gate_files: list[str]) -> GateResult:
            async with slots:
                try:
                    return await self.gates[name].run(gate_files, root)
                except Exception as exc:  # noqa: BLE001 - a gate bug must not sink the turn
                    why = f"the {name} gate crashed: {type(exc).__name__}: {exc}"
                    return could_not_run(name, gate_files, why, "please report this bug in Ingle")

        tasks = [asyncio.create_task(one(n, f)) for n, f in self.plan(files, root, only).items()]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:  # the caller stopped listening: stop the gates still running
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def report(
        self, files: Sequence[str], root: Path, only: Sequence[str] | None = None
    ) -> GatesReport:
        """All results, in gate order."""
        results = [r async for r in self.run(files, root, only)]
        order = list(self.gates)
        return GatesReport(results=sorted(results, key=lambda r: order.index(r.gate)))
