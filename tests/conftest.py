"""Shared fixtures: every test runs with its own Ingle home and a clean environment."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.fakes.fixtures", "tests.git_env"]

# Variables a developer's shell may carry that would leak into tests.
_LEAKY_ENV = (
    "OLLAMA_HOST",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_AUTH_TOKEN",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "INGLE_HOME",
)


@pytest.fixture(autouse=True)
def ingle_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh INGLE_HOME per test, so no test reads the developer's config or state."""
    for name in _LEAKY_ENV:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("ingle-home")
    monkeypatch.setenv("INGLE_HOME", str(home))
    return home
