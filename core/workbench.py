"""The Workbench: the one composition root. Opened once, it needs no repository.

It holds what every feature builds on: the effective settings and directories, the state
store, the persona registry, the model pool (one client per endpoint), the persona caller
(every non-turn model call, recorded and metered), the gates, the GPU probe and the event
bus. A coding session is built from a Workbench plus a repository; the persona lab, the
evaluator, memories, expenses and the job runner each take the Workbench and build their
service from the parts they use.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingle.core.activity import Activity, Clock
from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.pool import ModelPool
from ingle.core.bus import EventBus
from ingle.core.config.loader import LoadedConfig, load_config
from ingle.core.config.paths import IngleDirs
from ingle.core.config.settings import Settings
from ingle.core.gpu import GpuProbe, probe_gpus
from ingle.memory.persona_versions import StoreVersionHistory
from ingle.memory.store import Store
from ingle.personas.registry import PersonaRegistry, load_registry

if TYPE_CHECKING:
    from ingle.validators.registry import GateRunner


class Workbench:
    def __init__(self, loaded: LoadedConfig, store: Store, personas: PersonaRegistry,
                 *, nvml: Any = None, clock: Clock | None = None) -> None:
        self.nvml = nvml  # the NVML binding gpu() reads through (None: nvidia-ml-py)
        self.loaded = loaded
        self.store = store
        self.personas = personas
        self.pool = ModelPool(loaded.settings)
        # The user's input and interactive requests, for the job runner's idle gate.
        self.activity = Activity(store, clock)
        self.caller = PersonaCaller(loaded.settings, self.pool, store, repo=loaded.repo,
                                    activity=self.activity)
        self.bus = EventBus()

    @classmethod
    def open(
        cls,
        repo: Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        flags: Mapping[str, Any] | None = None,
        trusted: bool | None = None,
        clock: Clock | None = None,
    ) -> Workbench:
        """Load config (with `repo`'s .ingle.toml when given), the store and the personas.
        Raises ConfigError or StoreError with a message that says what to fix. `clock`
        times the activity stamps (tests pass a fake one)."""
        loaded = load_config(repo=repo, env=env, flags=flags, trusted=trusted)
        return cls.from_loaded(loaded, clock=clock)

    @classmethod
    def from_loaded(cls, loaded: LoadedConfig, *, clock: Clock | None = None) -> Workbench:
        store = Store(loaded.dirs.database)
        registry = load_registry(loaded.dirs.user_personas)
        # Personas are numbered from the store, so `name@N` resolves anywhere a name does
        # and a file edited by hand becomes a new version (core/lab/versions.py).
        registry.track_versions(StoreVersionHistory(store))
        return cls(loaded, store, registry, clock=clock)

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def dirs(self) -> IngleDirs:
        return self.loaded.dirs

    @cached_property
    def gates(self) -> GateRunner:
        """The compile and browser gates, built on first use (the browser starts lazily)."""
        from ingle.validators.registry import GateRunner

        return GateRunner(self.settings.gates, tools_dir=self.dirs.tools)

    def gpu(self) -> GpuProbe:
        """The GPU's memory, utilisation and processes now (NVML), or why there is none."""
        return probe_gpus(self.nvml)

    async def aclose(self) -> None:
        self.activity.close()
        await self.pool.aclose()
        if "gates" in self.__dict__:
            await self.gates.aclose()
        self.store.close()
