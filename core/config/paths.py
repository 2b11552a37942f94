"""Where Ingle keeps its files: XDG directories, overridable with INGLE_HOME.

Everything takes an explicit environment mapping so tests (and callers that
run for another user) never depend on the process environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IngleDirs:
    """The directories Ingle reads and writes outside a repository."""

    config: Path  # config.toml and the user's personas/
    data: Path  # ingle.db and caches

    @property
    def config_file(self) -> Path:
        return self.config / "config.toml"

    @property
    def user_personas(self) -> Path:
        return self.config / "personas"

    @property
    def database(self) -> Path:
        return self.data / "ingle.db"

    @property
    def tools(self) -> Path:
        """Ingle's own cache of tools it installs once (ESLint for the JS gate)."""
        return self.data / "tools"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "IngleDirs":
        env = os.environ if env is None else env
        home = Path(env.get("HOME") or Path.home())
        if env.get("INGLE_HOME"):
            # One directory for all state: handy for tests, containers and portable installs.
            root = Path(env["INGLE_HOME"]).expanduser()
            return cls(config=root / "config", data=root / "data")
        config_base = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        data_base = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
        return cls(config=config_base / "ingle", data=data_base / "ingle")
