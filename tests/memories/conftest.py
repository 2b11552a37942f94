"""A Workbench on the test's own INGLE_HOME (and the fake Ollama when a test asks for it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from ingle.core.memories.service import MemoryService
from ingle.core.workbench import Workbench


@pytest.fixture
def workbench(ingle_home) -> Iterator[Workbench]:
    bench = Workbench.open()
    yield bench
    asyncio.run(bench.aclose())


@pytest.fixture
def service(workbench: Workbench) -> MemoryService:
    return MemoryService(workbench)


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
