"""Runs llama-cpp-python's server so that it dies with the Ingle process that started it.

`python -m ingle.core.backends.llama_lifeline ARGS...` is `python -m llama_cpp.server
ARGS...` plus one thread that reads standard input: Ingle holds the pipe's other end and
never writes, so the read returns only when Ingle is gone, however it ended (a kill -9
runs no atexit handler). Then the server ends too, instead of holding the model in memory
for ever. This works from any thread of Ingle, unlike PR_SET_PDEATHSIG, which follows the
thread that started the child.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading


def _end_with_parent() -> None:
    sys.stdin.buffer.read()  # EOF: the parent closed the pipe or died
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's own shutdown
    threading.Timer(10, os._exit, args=(1,)).start()  # if that hangs


def main() -> None:
    threading.Thread(target=_end_with_parent, name="lifeline", daemon=True).start()
    sys.argv = ["llama_cpp.server", *sys.argv[1:]]
    runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
