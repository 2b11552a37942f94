"""Job queue throughput with instant steps, with 100k steps stored.

    .venv/bin/python benchmarks/bench_jobs_queue.py [--stored 100000] [--steps 3000]

Three figures, each in steps per second, on one SQLite store (WAL) in a temp dir:
1. baseline: the simplest SQLite work queue on the same database (one table, claim the
   first queued row with UPDATE ... RETURNING, mark it done; a commit each), measured in
   this run as the floor to compare with;
2. memory/jobs.py: claim (priority, lease, paused/cancelled jobs skipped, loaded model
   preferred) and finish (only by the lease holder), as the runner calls them;
3. the whole JobRunner (claim, the executor, record, finish, progress events, advancing
   the job) with a step kind that returns at once;
4. the same runner inside one job of `--stored` steps (its progress counts are kept by
   triggers, so a big job costs no more per step than a small one).
Each with `--stored` steps already queued behind the ones being worked.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingle.core.jobs.executor import LocalExecutor  # noqa: E402
from ingle.core.jobs.idle_state import IdleState  # noqa: E402
from ingle.core.jobs.kinds.base import Advance, JobKind, Params, Plan  # noqa: E402
from ingle.core.jobs.runner import JobRunner  # noqa: E402
from ingle.core.workbench import Workbench  # noqa: E402
from ingle.memory import jobs as q  # noqa: E402
from ingle.memory.jobs import JobRow, NewStep, StepRow  # noqa: E402


class Instant(JobKind):
    name = "instant"
    summary = "a step that does nothing"
    params_model = Params

    async def plan(self, params: Any, now: float) -> Plan:
        return Plan(title="instant", steps=[])

    async def compute(self, job: JobRow, step: StepRow, endpoint: str | None) -> Any:
        return {"n": step.idx}

    async def advance(self, job: JobRow, steps: list[StepRow]) -> Advance:
        return Advance(result={"steps": len(steps)})


class AlwaysIdle:
    """Idle until `busy` is set (then the runner pauses, and with once=True returns)."""

    def __init__(self) -> None:
        self.busy = asyncio.Event()

    def state(self) -> IdleState:
        return IdleState(idle=not self.busy.is_set(), reason="benchmark")

    async def until_idle(self) -> IdleState:
        return self.state()

    async def until_busy(self) -> IdleState:
        await self.busy.wait()
        return self.state()


def fill(store: Any, stored: int) -> None:
    """`stored` queued steps of a low-priority job, behind whatever is measured."""
    q.add_job(store, "instant", "backlog", {}, 0.0, priority=-1,
              steps=[NewStep(payload={"i": i}, model="qwen3:8b") for i in range(stored)])


def baseline(path: Path, stored: int, steps: int) -> float:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE q (id INTEGER PRIMARY KEY, status TEXT, payload TEXT)")
    db.execute("CREATE INDEX q_status ON q (status, id)")
    with db:
        db.executemany("INSERT INTO q (status, payload) VALUES ('queued', ?)",
                       [(f'{{"i": {i}}}',) for i in range(steps + stored)])
    started = time.perf_counter()
    for _ in range(steps):
        with db:
            (row_id,) = db.execute(
                "UPDATE q SET status = 'running' WHERE id = (SELECT id FROM q WHERE status = "
                "'queued' ORDER BY id LIMIT 1) RETURNING id").fetchone()
        with db:
            db.execute("UPDATE q SET status = 'done' WHERE id = ?", [row_id])
    rate = steps / (time.perf_counter() - started)
    db.close()
    return rate


def store_api(workbench: Workbench, stored: int, steps: int) -> float:
    store = workbench.store
    fill(store, stored)
    q.add_job(store, "instant", "measured", {}, 0.0, priority=5,
              steps=[NewStep(payload={"i": i}, model="qwen3:8b") for i in range(steps)])
    started = time.perf_counter()
    for _ in range(steps):
        step = q.claim(store, "bench", 1.0, 60.0, loaded=["qwen3:8b"])
        assert step is not None and step.priority == 5
        assert q.finish(store, step.id, "bench", {"n": step.idx}, 2.0)
    return steps / (time.perf_counter() - started)


async def whole_runner(workbench: Workbench, stored: int, steps: int) -> float:
    store = workbench.store
    fill(store, stored)
    q.set_status(store, 1, "paused", 0.0)  # the backlog stays queued, but waits
    job = q.add_job(store, "instant", "measured", {}, 0.0, priority=5,
                    steps=[NewStep(payload={"i": i}) for i in range(steps)])
    runner = JobRunner(workbench, AlwaysIdle(), LocalExecutor(workbench))
    runner._kinds["instant"] = Instant(workbench)  # noqa: SLF001 - a benchmark-only kind
    started = time.perf_counter()
    summary = await runner.run(once=True)
    elapsed = time.perf_counter() - started
    assert summary.steps_done == steps and summary.jobs_finished == [job], summary
    return steps / elapsed


async def inside_a_big_job(workbench: Workbench, stored: int, steps: int) -> float:
    """The runner working the first `steps` steps of one job of `stored` steps."""
    from ingle.core.jobs.events import StepFinished

    q.add_job(workbench.store, "instant", "big", {}, 0.0,
              steps=[NewStep(payload={"i": i}) for i in range(stored)])
    gate = AlwaysIdle()
    runner = JobRunner(workbench, gate, LocalExecutor(workbench))
    runner._kinds["instant"] = Instant(workbench)  # noqa: SLF001 - a benchmark-only kind

    async def stop_after() -> None:
        async with workbench.bus.subscribe(StepFinished) as events:
            for _ in range(steps):
                await events.get()
        gate.busy.set()

    stopper = asyncio.create_task(stop_after())
    await asyncio.sleep(0)  # subscribed before the first step
    started = time.perf_counter()
    summary = await runner.run(once=True)
    elapsed = time.perf_counter() - started
    await stopper
    return summary.steps_done / elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env = {"INGLE_HOME": str(home / "a"), "OLLAMA_HOST": "http://127.0.0.1:9"}
        base = baseline(home / "baseline.db", args.stored, args.steps)
        workbench = Workbench.open(None, env=env)
        api = store_api(workbench, args.stored, args.steps)
        asyncio.run(workbench.aclose())
        env["INGLE_HOME"] = str(home / "b")
        workbench = Workbench.open(None, env=env)

        async def go() -> float:
            try:
                return await whole_runner(workbench, args.stored, args.steps)
            finally:
                await workbench.aclose()

        runner = asyncio.run(go())
        env["INGLE_HOME"] = str(home / "c")
        workbench = Workbench.open(None, env=env)

        async def big() -> float:
            try:
                return await inside_a_big_job(workbench, args.stored, args.steps)
            finally:
                await workbench.aclose()

        in_big = asyncio.run(big())
    print(f"queue throughput, instant steps, {args.steps} worked with {args.stored:,} more "
          "stored:")
    print(f"  baseline (plain SQLite UPDATE ... RETURNING queue): {base:8.0f} steps/s")
    print(f"  memory/jobs.py claim + finish:                      {api:8.0f} steps/s "
          f"({api / base:.2f}x baseline)")
    print(f"  JobRunner end to end (executor, events, advance):   {runner:8.0f} steps/s "
          f"({runner / base:.2f}x baseline)")
    print(f"  JobRunner, the first steps of one {args.stored:,}-step job: {in_big:8.0f} steps/s "
          f"({in_big / base:.2f}x baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
