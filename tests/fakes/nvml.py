"""Recorded NVML readings behind the functions of nvidia-ml-py's `pynvml` module, for
`core.gpu.probe_gpus(nvml=FakeNvml(...))` (or installed as `pynvml` in sys.modules)."""

from __future__ import annotations

from dataclasses import dataclass, field


class NVMLError(Exception):
    pass


@dataclass
class FakeGpu:
    name: str = "NVIDIA GeForce RTX 3060"
    total: int = 12_884_901_888  # 12 GiB, as NVML reports a 12 GB card
    used: int = 629_145_600  # the desktop's share
    utilization: int = 3
    pids: list[int] = field(default_factory=list)
    # pid -> program name, as nvmlSystemGetProcessName reports it
    names: dict[int, str] = field(default_factory=dict)


@dataclass
class _Memory:
    total: int
    used: int
    free: int


@dataclass
class _Rates:
    gpu: int


@dataclass
class _Process:
    pid: int


class FakeNvml:
    NVMLError = NVMLError

    def __init__(self, gpus: list[FakeGpu]) -> None:
        self.gpus = gpus

    def nvmlInit(self) -> None:  # noqa: N802 - NVML's names
        pass

    def nvmlShutdown(self) -> None:  # noqa: N802
        pass

    def nvmlDeviceGetCount(self) -> int:  # noqa: N802
        return len(self.gpus)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> FakeGpu:  # noqa: N802
        return self.gpus[index]

    def nvmlDeviceGetMemoryInfo(self, gpu: FakeGpu) -> _Memory:  # noqa: N802
        return _Memory(total=gpu.total, used=gpu.used, free=gpu.total - gpu.used)

    def nvmlDeviceGetName(self, gpu: FakeGpu) -> bytes:  # noqa: N802
        return gpu.name.encode()

    def nvmlDeviceGetUtilizationRates(self, gpu: FakeGpu) -> _Rates:  # noqa: N802
        return _Rates(gpu=gpu.utilization)

    def nvmlSystemGetProcessName(self, pid: int) -> bytes:  # noqa: N802
        for gpu in self.gpus:
            if pid in gpu.names:
                return gpu.names[pid].encode()
        raise NVMLError("Not Found")

    def nvmlDeviceGetComputeRunningProcesses(self, gpu: FakeGpu) -> list[_Process]:  # noqa: N802
        return [_Process(pid=p) for p in gpu.pids]
