"""The idle gate's GPU rule, on recorded NVML readings through core/gpu.py's binding."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from ingle.core.gpu import probe_gpus
from ingle.core.jobs.idle import ActivityGate

from tests.fakes.nvml import FakeGpu, FakeNvml
from tests.jobs.idle_support import GateKit, until_sleeping


def gpu_kit(tmp_path: Path, gpu: FakeGpu, **settings: object) -> tuple[GateKit, ActivityGate]:
    kit = GateKit(tmp_path, gpu_samples=3, gpu_sample_s=2.0, gpu_util_threshold=10, **settings)
    nvml = FakeNvml([gpu])
    gate = ActivityGate(kit.settings, kit.activity, gpu=lambda: probe_gpus(nvml), clock=kit.clock)
    return kit, gate


def sample(kit: GateKit, gate: ActivityGate, readings: list[int], gpu: FakeGpu) -> None:
    for value in readings:
        gpu.utilization = value
        gate.state()
        kit.clock.advance(2.0)


def test_the_gpu_is_measured_over_several_readings_before_jobs_run(tmp_path: Path) -> None:
    gpu = FakeGpu(utilization=2)
    kit, gate = gpu_kit(tmp_path, gpu)
    state = gate.state()
    assert not state.idle
    assert state.reason == "waiting: measuring the GPU's use (1 of 3 readings)"
    assert state.recheck_in_s == 2.0
    sample(kit, gate, [2, 4], gpu)
    state = gate.state()
    assert state.idle
    assert state.rules["gpu"] == "the GPU is 3% busy"


def test_a_busy_gpu_on_average_keeps_jobs_waiting(tmp_path: Path) -> None:
    gpu = FakeGpu()
    kit, gate = gpu_kit(tmp_path, gpu)
    sample(kit, gate, [5, 40, 0], gpu)  # mean 15: one quiet reading does not make it idle
    gpu.utilization = 0
    state = gate.state()
    assert not state.idle
    assert state.reason == "waiting: the GPU is 13% busy (mean of 3 readings; idle under 10%)"
    sample(kit, gate, [0, 0, 0], gpu)
    assert gate.state().idle


def test_a_foreign_process_on_the_gpu_keeps_jobs_waiting_a_model_server_does_not(
    tmp_path: Path,
) -> None:
    gpu = FakeGpu(utilization=0, pids=[311, 4242],
                  names={311: "/usr/local/bin/ollama", 4242: "/usr/bin/blender"})
    kit, gate = gpu_kit(tmp_path, gpu)
    sample(kit, gate, [0, 0, 0], gpu)
    state = gate.state()
    assert not state.idle
    assert state.reason == "waiting: process 4242 (/usr/bin/blender) holds the GPU"
    gpu.pids, gpu.names = [311], {311: "/usr/local/bin/ollama"}
    kit.clock.advance(2.0)
    assert gate.state().idle


def test_without_an_nvidia_gpu_only_the_other_rules_apply(tmp_path: Path) -> None:
    kit = GateKit(tmp_path)
    gate = ActivityGate(kit.settings, kit.activity, gpu=lambda: probe_gpus(FakeNvml([])),
                        clock=kit.clock)
    state = gate.state()
    assert state.idle
    assert state.rules["gpu"] == "no NVIDIA GPU found (not counted)"


def test_while_jobs_run_their_own_gpu_use_does_not_pause_them_a_foreign_process_does(
    tmp_path: Path,
) -> None:
    gpu = FakeGpu(utilization=0, pids=[311], names={311: "ollama"})
    kit, gate = gpu_kit(tmp_path, gpu)
    sample(kit, gate, [0, 0, 0], gpu)
    assert gate.state().idle

    async def scenario() -> str:
        waiting = asyncio.create_task(gate.until_busy())
        for _ in range(5):  # the job's model runs flat out: still idle
            await until_sleeping(kit.clock)
            gpu.utilization = 97
            kit.clock.advance(2.0)
        await until_sleeping(kit.clock)
        assert not waiting.done()
        assert gate.state().rules["gpu"] == "busy with jobs; no other process holds it"
        gpu.pids, gpu.names = [311, 977], {311: "ollama", 977: "python3"}  # someone trains
        kit.clock.advance(2.0)
        return (await asyncio.wait_for(waiting, timeout=60)).reason

    assert asyncio.run(scenario()) == "waiting: process 977 (python3) holds the GPU"
    # The readings taken while the jobs ran measured the jobs: the gate measures afresh.
    gpu.pids = [311]
    kit.clock.advance(2.0)
    assert gate.state().reason == "waiting: measuring the GPU's use (1 of 3 readings)"


def test_a_runner_that_only_waited_for_work_keeps_the_readings(tmp_path: Path) -> None:
    gpu = FakeGpu(utilization=0, pids=[311], names={311: "ollama"})
    kit, gate = gpu_kit(tmp_path, gpu)
    sample(kit, gate, [0, 0, 0], gpu)

    async def wait_for_work() -> None:  # as a runner with an empty queue does, then gives up
        waiting = asyncio.create_task(gate.until_busy())
        await until_sleeping(kit.clock)
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting

    asyncio.run(wait_for_work())
    assert gate.state().rules["gpu"] == "the GPU is 0% busy"
