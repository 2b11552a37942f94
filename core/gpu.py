"""The GPU as NVML reports it: memory, utilisation and the processes holding it.

One reading function for everything that asks (the router's VRAM rules, `ingle doctor`,
the status bar, the persona lab's model recommendation, the idle-job gate). No NVIDIA
GPU, driver or library is a normal answer: `GpuProbe.problem` says which.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class GpuMemory(BaseModel):
    name: str
    total_bytes: int
    used_bytes: int
    free_bytes: int
    utilization_percent: int | None = None  # the GPU's busy share over NVML's last sample
    process_ids: list[int] = Field(default_factory=list)  # compute processes on this GPU
    # pid -> the program NVML names for it (the idle gate tells model servers from others)
    process_names: dict[int, str] = Field(default_factory=dict)


class GpuProbe(BaseModel):
    gpus: list[GpuMemory] = Field(default_factory=list)
    problem: str = ""  # why there is no reading: no library, no driver, NVML failed


def read_gpu_memory() -> list[GpuMemory]:
    """Every NVIDIA GPU's memory; [] when there is no NVIDIA GPU or driver."""
    return probe_gpus().gpus


def probe_gpus(nvml: Any = None) -> GpuProbe:
    """Every NVIDIA GPU's memory, utilisation and processes, or why none could be read.
    `nvml` is the NVML binding to read through (default: nvidia-ml-py's `pynvml`); tests
    pass recorded readings through an object with the same functions."""
    if nvml is not None:
        pynvml = nvml
    else:
        try:
            import pynvml  # nvidia-ml-py
        except ImportError:
            return GpuProbe(problem="nvidia-ml-py is not installed")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return GpuProbe(problem=f"no NVIDIA GPU found ({exc})")
    try:
        gpus = [_read_one(pynvml, index) for index in range(pynvml.nvmlDeviceGetCount())]
        return GpuProbe(gpus=gpus, problem="" if gpus else "no NVIDIA GPU found")
    except pynvml.NVMLError as exc:
        return GpuProbe(problem=f"NVML failed: {exc}")
    finally:
        pynvml.nvmlShutdown()


def _read_one(pynvml, index: int) -> GpuMemory:  # noqa: ANN001 - the NVML module
    handle = pynvml.nvmlDeviceGetHandleByIndex(index)
    memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
    name = pynvml.nvmlDeviceGetName(handle)
    try:
        utilization: int | None = int(pynvml.nvmlDeviceGetUtilizationRates(handle).gpu)
    except pynvml.NVMLError:  # some boards do not report it
        utilization = None
    try:
        pids = [int(p.pid) for p in pynvml.nvmlDeviceGetComputeRunningProcesses(handle)]
    except pynvml.NVMLError:
        pids = []
    return GpuMemory(
        name=_text(name),
        total_bytes=int(memory.total), used_bytes=int(memory.used), free_bytes=int(memory.free),
        utilization_percent=utilization, process_ids=pids,
        process_names={pid: found for pid in pids if (found := _process_name(pynvml, pid))},
    )


def _process_name(pynvml, pid: int) -> str:  # noqa: ANN001 - the NVML module
    try:
        return _text(pynvml.nvmlSystemGetProcessName(pid))
    except (pynvml.NVMLError, AttributeError):  # gone already, or an old binding
        return ""


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
