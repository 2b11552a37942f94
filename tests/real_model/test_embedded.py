"""The `embedded` endpoint: `ingle ask -m smollm2@embedded` with nothing else running.

Ingle starts llama-cpp-python's server itself with the bundled SmolLM2, on demand, and
stops it when done. These tests start their own servers (not the session's)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ingle.core.backends.embedded import EmbeddedBackend
from ingle.core.backends.registry import open_backend
from ingle.core.backends.types import ChatMessage, ChatRequest, SamplingOptions, TextDelta
from ingle.core.config.settings import Settings


@pytest.fixture(autouse=True)
def needs_the_server(llama_server):
    """Only where the tier runs (the session server's fixture skips or fails otherwise)."""


async def test_the_embedded_endpoint_starts_on_demand_and_stops_on_close():
    backend = open_backend(Settings(), "embedded")  # not configured: the built-in name
    assert isinstance(backend, EmbeddedBackend)
    assert backend.server.exit_code() is None and backend.server.url == ""  # not started
    request = ChatRequest(model="smollm2", messages=[ChatMessage(role="user", content="Hi")],
                          options=SamplingOptions(temperature=0, num_predict=8))
    try:
        events = [e async for e in backend.stream_chat(request)]
        assert backend.server.url.startswith("http://127.0.0.1:")
        assert any(isinstance(e, TextDelta) for e in events)
        assert events[-1].token_source == "tokenizer"
    finally:
        await backend.aclose()
    assert backend.server.exit_code() is not None  # the child process is gone


def test_ingle_ask_on_the_embedded_model_with_no_server_configured(tmp_path, ingle_home):
    env = {**os.environ, "INGLE_HOME": str(ingle_home), "OLLAMA_HOST": "127.0.0.1:9"}
    done = subprocess.run(
        [sys.executable, "-m", "ingle.core.frontends.cli", "ask", "-m", "smollm2@embedded",
         "Say hello."],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "smollm2@embedded: ~" in done.stderr and "tok/s" in done.stderr


def test_the_server_dies_with_an_ingle_that_is_killed(tmp_path):
    """A kill -9 runs no cleanup in Ingle; the server must not outlive it with the model
    in memory."""
    starter = (
        "import sys\n"
        "from ingle.core.backends.llama_server import LlamaServer, LlamaServerOptions, bundled_gguf\n"
        "server = LlamaServer(LlamaServerOptions(model_path=bundled_gguf(), alias='smollm2', "
        "n_ctx=512, n_threads=1))\n"
        "server.start()\n"
        "print(server.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    ingle = subprocess.Popen([sys.executable, "-c", starter], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        server_pid = int(ingle.stdout.readline())
        server = os.pidfd_open(server_pid)
    finally:
        ingle.kill()
        ingle.wait()
    try:
        # The pidfd turns readable when the server exits; a server that lives on fails here.
        import select

        readable, _, _ = select.select([server], [], [], 120)
        assert readable, f"the llama.cpp server {server_pid} outlived the killed process"
    finally:
        os.close(server)
