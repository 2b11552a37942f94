"""`ingle doctor` end to end: real fake servers, the real NVML library (no GPU on CI)."""

from __future__ import annotations

import socket

import pytest

from ingle.core.frontends.cli import main


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def lines_with(out: str, text: str) -> list[str]:
    return [line for line in out.splitlines() if text in line]


def test_healthy_setup_passes(fake_ollama, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    (endpoint,) = lines_with(out, "local: Ollama 0.12.6")
    assert endpoint.strip().startswith("[ok]") and fake_ollama.url in endpoint
    for model in ("qwen3:8b", "qwen3:14b", "qwen3:4b"):
        (row,) = lines_with(out, f" {model}:")
        assert row.strip().startswith("[ok]")
    assert "used by: role architecture, my-architect" in out
    (gpu,) = [line for line in lines_with(out, "GPU") if line.strip().startswith("[")]
    assert gpu.strip().startswith(("[warn] GPU", "[ok]   GPU"))
    assert "escalation to Claude is off" in out and "export ANTHROPIC_API_KEY" in out
    assert out.rstrip().endswith("Ingle is ready.")


def test_no_gpu_is_a_clean_line(fake_ollama, capsys):
    pynvml = pytest.importorskip("pynvml")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        pass
    else:
        pynvml.nvmlShutdown()
        pytest.skip("this machine has an NVIDIA GPU")
    main(["doctor"])
    out = capsys.readouterr().out
    assert "no NVIDIA GPU found" in out and "Traceback" not in out


def test_missing_role_model_fails_with_pull_fix(fake_ollama, capsys):
    del fake_ollama.models["qwen3:14b"]
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    (row,) = lines_with(out, "qwen3:14b:")
    assert row.strip().startswith("[FAIL]") and "used by: role architecture, my-architect" in row
    assert "fix: ollama pull qwen3:14b" in out
    assert "1 required check failed" in out


def test_dead_endpoint_fails_with_how_to_start_it(capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    (row,) = lines_with(out, "local:")
    assert row.strip().startswith("[FAIL]") and f"127.0.0.1:{port}" in row
    assert "fix: start it with `ollama serve`" in out
    assert "not checked: no endpoint answered" in out


def test_anthropic_key_is_reported_without_showing_it(fake_ollama, capsys, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-doctor-secret")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    (row,) = lines_with(out, "Anthropic API key")
    assert row.strip().startswith("[ok]") and "env ANTHROPIC_API_KEY" in row
    assert "doctor-secret" not in out


def test_role_pinned_to_an_endpoint_is_checked_there(fake_ollama, capsys, ingle_home):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[roles]\nreview = "qwen3:8b@gpu"\n')
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "not installed on gpu; used by: role review" in out
    assert "make endpoint 'gpu' reachable" in out


def test_no_endpoint_answering_suggests_the_embedded_model(capsys, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    (row,) = lines_with(out, "embedded:")
    assert row.strip().startswith("[warn]") and "no endpoint answered" in row
    assert 'smollm2@embedded "..."' in out


def test_an_embedded_endpoint_is_checked_without_starting_it(capsys, ingle_home, tmp_path):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[endpoints.mine]\nkind = "embedded"\nmodel_path = "{tmp_path}/x.gguf"\n')
    main(["doctor"])
    out = capsys.readouterr().out
    (row,) = lines_with(out, "mine:")
    assert row.strip().startswith("[FAIL]")
    assert f"no model file at {tmp_path}/x.gguf" in row or "is not installed" in row


def test_json_reports_every_section_and_the_verdict(fake_ollama, capsys):
    import json

    del fake_ollama.models["qwen3:14b"]
    assert main(["doctor", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ready"] is False and report["failed_required"] == 1
    titles = [section["title"] for section in report["sections"]]
    assert titles[0] == "endpoints" and "gate tools" in titles
    rows = [row for section in report["sections"] for row in section["checks"]]
    (missing,) = [row for row in rows if row["name"] == "qwen3:14b"]
    assert missing["status"] == "fail" and missing["fix"].startswith("ollama pull qwen3:14b ")
