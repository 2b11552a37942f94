"""`ingle persona recommend`: the arithmetic on recorded /api/show replies and NVML
readings, including the seed's 12 GB case (Qwen3-14B Q4_K_M uses 10.4 GB at 4K)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.gpu import probe_gpus
from tests.fakes.nvml import FakeGpu, FakeNvml
from tests.fakes.ollama_server import FakeModel, FakeOllama
from tests.lab.recorded_show import QWEN3_8B, QWEN3_14B

DESKTOP = 629_145_600
IN_USE_14B_4K = 10_400_000_000  # the seed's measurement


@pytest.fixture
def twelve_gb(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeNvml:
    """The 12 GB card with Qwen3-14B loaded at 4K context, as NVML reports it."""
    nvml = FakeNvml([FakeGpu(total=12_884_901_888, used=DESKTOP + IN_USE_14B_4K)])
    monkeypatch.setitem(sys.modules, "pynvml", nvml)  # NVML's module: its readings, recorded
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return nvml


@pytest.fixture
def ollama(fake_ollama: FakeOllama) -> FakeOllama:
    fake_ollama.models = {
        "qwen3:14b": FakeModel(name="qwen3:14b", size=9_276_198_565, parameter_size="14.8B",
                               model_info=QWEN3_14B, loaded=True, size_vram=IN_USE_14B_4K,
                               loaded_num_ctx=4096),
        "qwen3:8b": FakeModel(name="qwen3:8b", size=5_225_376_047, model_info=QWEN3_8B),
    }
    return fake_ollama


def recommend(capsys, *args: str) -> dict:
    status = main(["persona", "recommend", *args, "--json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    return json.loads(out)


def test_the_probe_reads_through_an_injected_nvml() -> None:
    probe = probe_gpus(FakeNvml([FakeGpu(used=DESKTOP)]))
    assert probe.problem == ""
    assert probe.gpus[0].free_bytes == 12_884_901_888 - DESKTOP


def test_on_12_gb_the_14b_is_for_short_context_and_the_8b_for_long(
    twelve_gb, ollama, capsys
) -> None:
    short = recommend(capsys, "--task", "code", "--context", "4096")
    installed = [c for c in short["candidates"] if c["installed"]]
    assert [c["model"] for c in installed] == ["qwen3:14b", "qwen3:8b"]
    assert short["candidates"][0]["model"] == "qwen3:14b" and short["candidates"][0]["fits"]

    # The overhead is calibrated from /api/ps: 10.4 GB - weights - KV at 4096 tokens.
    kv_14b = 2 * 40 * 8 * 128 * 2
    calibration = short["calibration"]
    assert calibration["model"] == "qwen3:14b"
    assert calibration["overhead_bytes"] == IN_USE_14B_4K - 9_276_198_565 - kv_14b * 4096
    budget = 12_884_901_888 - DESKTOP  # free now + what the loaded 14B holds
    assert short["budget_bytes"] == budget

    fourteen = short["candidates"][0]
    figures = fourteen["figures"]
    assert figures["kv_bytes_per_token"] == kv_14b == 163_840
    assert figures["total_bytes"] == 9_276_198_565 + kv_14b * 4096 + calibration["overhead_bytes"]
    room = budget - 9_276_198_565 - calibration["overhead_bytes"]
    assert fourteen["max_context"] == (room // kv_14b) // 256 * 256 == 15_360

    long = recommend(capsys, "--task", "code", "--context", "32768")
    assert long["candidates"][0]["model"] == "qwen3:8b" and long["candidates"][0]["fits"]
    assert long["candidates"][0]["max_context"] == 40960  # the model's own limit
    fourteen = next(c for c in long["candidates"] if c["model"] == "qwen3:14b")
    assert fourteen["fits"] is False and "only up to 15360 tokens" in fourteen["reason"]


def test_text_output_shows_the_arithmetic(twelve_gb, ollama, capsys) -> None:
    assert main(["persona", "recommend", "--task", "code", "--context", "32768"]) == 0
    out = capsys.readouterr().out
    assert "runtime overhead: measured: qwen3:14b at 4096 tokens uses 10.40 GB (/api/ps)" in out
    assert "1. qwen3:8b Q4_K_M: fits, largest context 40960" in out
    assert ("147,456 B/token = 2 (K,V) x 36 layers x 8 KV heads x 128 head size x 2 B (f16)"
            in out)


def test_without_a_gpu_vram_is_asked_for_and_used(fake_ollama, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", FakeNvml([]))
    status = main(["persona", "recommend", "--task", "code"])
    assert status == 2
    assert "pass --vram GB" in capsys.readouterr().err
    found = recommend(capsys, "--task", "classification", "--vram", "8")
    assert found["budget_bytes"] == 8_000_000_000
    first = found["candidates"][0]
    assert first["fits"] and first["installed"]
    assert first["model"] == "qwen3:4b"  # the smallest that fits: classification wants speed


def test_bad_task_is_a_one_line_usage_error(twelve_gb, ollama, capsys) -> None:
    assert main(["persona", "recommend", "--task", "poetry", "--json"]) == 2
    err = capsys.readouterr().err
    assert "'poetry' is not a task kind" in err and len(err.strip().splitlines()) == 1
