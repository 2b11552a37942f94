"""How fast does `ingle` start?

  * process start to the app's first frame, in a pseudo-terminal (target < 1 s),
    next to a minimal Textual app started the same way;
  * `ingle --help` and `ingle --version` (target < 150 ms: they must not import
    Textual), next to a bare `python -c pass`.

Each figure is the median of several runs, measured in this run with its
baseline, so a busy machine moves both.

    .venv/bin/python benchmarks/bench_startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
INGLE = [str(Path(sys.executable).with_name("ingle"))]  # the installed console script
FIRST_FRAME_TIMEOUT_S = 30.0
# Text that is on the app's first frame (the footer's key for interrupting a turn).
INGLE_MARKER = b"Interrupt"
MINIMAL_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Footer, Static\n"
    "class Minimal(App):\n"
    "    def compose(self):\n"
    "        yield Static('minimal-ready')\n"
    "        yield Footer()\n"
    "Minimal().run()\n"
)


def timed_run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def first_frame(command: list[str], marker: bytes, env: dict[str, str], cwd: Path) -> float:
    """Seconds from spawning `command` in a 120x40 pty until `marker` is drawn."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, start_new_session=True
    )
    os.close(slave)
    seen = b""
    elapsed: float | None = None
    try:
        while time.perf_counter() - started < FIRST_FRAME_TIMEOUT_S:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            seen += chunk
            if marker in seen:
                elapsed = time.perf_counter() - started
                break
    finally:
        os.write(master, b"\x11")  # Ctrl+Q: quit as a person would
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _drain(master)
        os.close(master)
    if elapsed is None:
        raise RuntimeError(f"no first frame from {command!r}; it printed: {seen[-400:]!r}")
    return elapsed


def _drain(master: int) -> None:
    while select.select([master], [], [], 0)[0]:
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


def make_repo(base: Path) -> Path:
    repo = base / "repo"
    repo.mkdir()
    (repo / "main.py").write_text("print('hi')\n")
    git = ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.com"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "initial"], cwd=repo, check=True)
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        env = {
            **os.environ,
            "INGLE_HOME": str(base / "home"),  # a fresh state database, as on a first start
            "TERM": "xterm-256color",
            "PYTHONPATH": str(ROOT),
            # A model server that is not there: the first frame must not wait for one.
            "OLLAMA_HOST": "http://127.0.0.1:9",
        }
        repo = make_repo(base)
        (base / "minimal.py").write_text(MINIMAL_APP)

        def median(measure) -> float:
            return statistics.median(measure() for _ in range(args.runs))

        python = median(lambda: timed_run([PYTHON, "-c", "pass"], env))
        version = median(lambda: timed_run([*INGLE, "--version"], env))
        help_ = median(lambda: timed_run([*INGLE, "--help"], env))
        minimal = median(lambda: first_frame([PYTHON, str(base / "minimal.py")], b"minimal-ready", env, repo))
        ingle = median(lambda: first_frame(INGLE, INGLE_MARKER, env, repo))

    print(f"medians of {args.runs} runs")
    print(f"python -c pass           {python * 1000:7.0f} ms  (baseline)")
    print(f"ingle --version          {version * 1000:7.0f} ms  ({version / python:.1f}x python; target < 150 ms)")
    print(f"ingle --help             {help_ * 1000:7.0f} ms  ({help_ / python:.1f}x python; target < 150 ms)")
    print(f"minimal Textual app      {minimal * 1000:7.0f} ms to first frame  (baseline)")
    print(
        f"ingle app                {ingle * 1000:7.0f} ms to first frame  "
        f"({ingle / minimal:.2f}x the minimal app; target < 1000 ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
