"""The Ray executor on a local 2-CPU Ray instance (about 6 s to start): a client without
the token is refused, an eval job finishes with the same stored results as `ingle eval run`,
and a killed worker's step is retried. Ray is in the test extra: this never skips."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

from ingle.core.jobs.ray_executor import RayExecutor
from ingle.core.jobs.runner import JobRunner
from ingle.core.jobs.service import JobsService
from ingle.core.workbench import Workbench
from ingle.memory import jobs as q
from ingle.memory.store import Store
from tests.evals.helpers import by_prompt
from tests.fakes.script import RecordedRequest, Reply
from tests.jobs.helpers import SwitchGate, write_basic_suite
from tests.jobs.stored import stored_results

ANSWERS = {"France": "Paris", "number 42": "It is 42."}


def _worker_running_a_step() -> int:
    """The pid of the Ray worker process executing a step (Ray titles it by the task)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"ray::ingle_step"):
                    return int(entry.name)
            except OSError:
                continue
    raise AssertionError("no Ray worker is running a step")


async def test_ray_runs_the_same_job_and_retries_a_killed_workers_step(
        fake_ollama, ingle_home, tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    monkeypatch.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
    write_basic_suite(ingle_home)
    hung = threading.Event()

    def respond(request: RecordedRequest) -> Reply:
        if request.json["model"] == "qwen3:14b" and not hung.is_set():
            hung.set()
            return Reply(text="Paris", stall_after=1)  # the worker is killed meanwhile
        return by_prompt(ANSWERS)(request)

    fake_ollama.respond_with(respond)
    # what `ingle eval run` stores, in another home
    other = tmp_path / "other"
    write_basic_suite(other)
    done = subprocess.run([sys.executable, "-m", "ingle.core.frontends.cli", "eval", "run",
                           "basic", "--models", "qwen3:8b,qwen3:4b", "--json"],
                          env={**os.environ, "INGLE_HOME": str(other)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with Store(other / "data" / "ingle.db") as store:
        (expected,) = stored_results(store)

    wb = Workbench.open(None)
    executor = RayExecutor(wb, "local")
    try:
        assert executor.capacity() == 2
        # token authentication is on: a client without the token is refused
        import ray

        gcs = ray.get_runtime_context().gcs_address
        stranger = subprocess.run(
            [sys.executable, "-c", f"import ray; ray.init(address={gcs!r}); print('joined')"],
            env={k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")},
            capture_output=True, text=True, timeout=300)
        assert stranger.returncode != 0 and "joined" not in stranger.stdout
        assert "InvalidAuthToken" in stranger.stderr
        service = JobsService(wb)
        job_id = await service.add("eval", {"suite": "basic", "models": ["qwen3:8b", "qwen3:4b"]})
        summary = await JobRunner(wb, SwitchGate(), executor).run(once=True)
        assert summary.steps_done == 8 and summary.jobs_finished == [job_id]
        run_id = q.get_job(wb.store, job_id).result["run_id"]
        assert stored_results(wb.store, run_id) == [expected]

        # a worker killed in the middle of a step: the step goes back and runs again
        killed = await service.add("eval", {"suite": "basic", "models": ["qwen3:14b"],
                                            "limit": 1, "samples": 1})
        task = asyncio.create_task(JobRunner(wb, SwitchGate(), executor).run(once=True))
        assert await asyncio.to_thread(hung.wait, 300)
        os.kill(_worker_running_a_step(), signal.SIGKILL)
        summary = await task
        (step,) = q.steps_of(wb.store, killed)
        assert step.status == "done" and step.attempts == 2
        assert q.get_job(wb.store, killed).status == "done"
        assert await asyncio.to_thread(fake_ollama.disconnect_seen.wait, 60)
    finally:
        await executor.aclose()
        await wb.aclose()
