"""Time from a key press in the app to the idle job's in-flight model request being closed.

The app runs headless (Textual's test driver; layout and rendering run) and hosts the job
runner with the idle gate, as `ingle` does. An eval job's step streams slowly from the fake
Ollama (one token every 10 ms, for about a minute). A thread presses a key the way the
terminal driver does (it posts the event to the app's loop from its own thread); the fake
server notes the moment the client closes the stream, which is what stops Ollama's
generation. Then the user "leaves" (the activity's clock moves two minutes on), the runner
resumes the put-back step, and the next round presses again. Target: under 100 ms.

Baseline, measured in the same run: the same slow stream read through the workbench's
persona caller and closed directly (its task cancelled from another thread), with no app,
gate or runner: the floor the mechanism pays (httpx closing the connection, the server
seeing it). Figures are wall-clock and depend on the machine's load; the ratio matters.

    .venv/bin/python benchmarks/bench_jobs_pause.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events

from tests.fakes.clock import FakeClock
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import RecordedRequest, Reply

SLOW = Reply(text="tok " * 6000, delay=0.01)  # a minute of tokens, one every 10 ms
SUITE = '[[cases]]\nid = "story"\nprompt = "Tell a long story."\nexpected = "tok"\n' \
        'checks = [{ type = "contains" }]\n'
TARGET_MS = 100.0


class TimedOllama(FakeOllama):
    """The fake Ollama, noting when each request arrives and when its client hangs up."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived = threading.Event()
        self.closed = threading.Event()
        self.closed_at: list[float] = []
        self.respond_with(self._slow)

    def _slow(self, request: RecordedRequest) -> Reply:
        self.arrived.set()
        return SLOW

    def _client_left(self, request: RecordedRequest) -> None:
        self.closed_at.append(time.perf_counter())
        super()._client_left(request)
        self.closed.set()


def press_from_thread(loop: asyncio.AbstractEventLoop, app: object) -> float:
    """A key event posted to the app's loop from another thread, as the driver does;
    returns the moment it was sent."""
    sent: list[float] = []

    def driver() -> None:
        sent.append(time.perf_counter())
        key = events.Key("z", "z")
        asyncio.run_coroutine_threadsafe(app._post_message(key), loop)  # type: ignore[attr-defined]

    thread = threading.Thread(target=driver)
    thread.start()
    thread.join()
    return sent[0]


async def wait_event(flag: threading.Event, what: str) -> None:
    if not await asyncio.to_thread(flag.wait, 60):
        raise SystemExit(f"bench_jobs_pause: timed out waiting for {what}")


async def baseline(server: TimedOllama, rounds: int) -> list[float]:
    """Close the same slow stream directly: cancel the task reading it, from a thread."""
    from ingle.core.workbench import Workbench

    workbench = Workbench.open()
    loop = asyncio.get_running_loop()
    found: list[float] = []
    try:
        endpoint, request = workbench.caller.request_for(None, "Tell a long story.",
                                                         model="qwen3:8b")
        for _ in range(rounds):
            server.arrived.clear()
            server.closed.clear()

            async def read() -> None:
                async for _ in workbench.caller.stream_request(endpoint, request, persona=None,
                                                               task_kind="bench"):
                    pass

            task = asyncio.create_task(read())
            await wait_event(server.arrived, "the baseline request")
            await asyncio.sleep(0.2)  # a few tokens into the reply, as in the app
            sent: list[float] = []

            def cancel() -> None:
                sent.append(time.perf_counter())
                loop.call_soon_threadsafe(task.cancel)

            thread = threading.Thread(target=cancel)
            thread.start()
            thread.join()
            await wait_event(server.closed, "the baseline stream to close")
            found.append(server.closed_at[-1] - sent[0])
            await asyncio.gather(task, return_exceptions=True)
    finally:
        await workbench.aclose()
    return found


async def in_app(server: TimedOllama, repo: Path, rounds: int) -> list[float]:
    from ingle.core.jobs.service import JobsService
    from ingle.tui.app import IngleApp

    app = IngleApp(repo)
    found: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        while app.workbench is None or app.jobs is None:
            await pilot.pause()
        loop = asyncio.get_running_loop()
        clock = FakeClock(start=time.time() + 3600)  # the last real key press: an hour ago
        app.workbench.activity.clock = clock
        server.arrived.clear()
        await JobsService(app.workbench).add(
            "eval", {"suite": "bench", "models": ["qwen3:8b"], "samples": 1})
        for _ in range(rounds):
            while not server.arrived.is_set():  # the user is away: the runner takes the step
                clock.advance(30)
                await asyncio.sleep(0.05)
            server.arrived.clear()
            server.closed.clear()
            await asyncio.sleep(0.2)  # a few tokens into the reply
            sent = press_from_thread(loop, app)
            await wait_event(server.closed, "the job's stream to close")
            found.append(server.closed_at[-1] - sent)
    return found


def summary(name: str, seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return (f"{name:<28} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   "
            f"max {ms[-1]:7.1f} ms   ({len(ms)} rounds)")


def make_repo(root: Path) -> Path:
    root.mkdir()
    (root / "main.py").write_text("print(1)\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-jobs-pause-") as tmp, TimedOllama() as server:
        home = Path(tmp) / "home"
        (home / "config" / "evals").mkdir(parents=True)
        (home / "config" / "evals" / "bench.toml").write_text(SUITE)
        os.environ.update({"INGLE_HOME": str(home), "OLLAMA_HOST": server.url})
        repo = make_repo(Path(tmp) / "repo")
        floor = asyncio.run(baseline(server, args.rounds))
        paused = asyncio.run(in_app(server, repo, args.rounds))
    print("key press -> the job's in-flight request closed (fake Ollama, 1 token / 10 ms)")
    print(summary("baseline: stream cancelled", floor))
    print(summary("app: key press pauses job", paused))
    ratio = statistics.median(paused) / max(statistics.median(floor), 1e-9)
    verdict = "under" if statistics.median(paused) * 1000 < TARGET_MS else "OVER"
    print(f"ratio app/baseline (medians): {ratio:.1f}x; median {verdict} the "
          f"{TARGET_MS:.0f} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
