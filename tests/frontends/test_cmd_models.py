"""`ingle models` end to end against fake servers."""

from __future__ import annotations

import socket

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.ollama_server import FakeModel


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_of(out: str, model: str) -> str:
    return next(line for line in out.splitlines() if line.strip().startswith(model + " "))


def test_table_of_installed_and_loaded_models(fake_ollama, capsys):
    fake_ollama.models["qwen3:14b"].loaded = True
    fake_ollama.models["qwen3:14b"].size_vram = 8_000_000_000
    fake_ollama.models["qwen3:14b"].loaded_num_ctx = 4096
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"local  ollama 0.12.6  {fake_ollama.url}")
    assert "MODEL" in out and "CAPABILITIES" in out and "LOADED" in out
    row = line_of(out, "qwen3:8b").split()
    assert row[:5] == ["qwen3:8b", "5.2", "GB", "8.2B", "Q4_K_M"]
    assert row[5:8] == ["40960", "16384", "completion,tools,thinking"]  # trained ctx, sent num_ctx
    assert len(row) == 8  # not loaded
    coder = line_of(out, "qwen2.5-coder:7b")
    assert "32768" in coder and "completion,tools,insert" in coder
    big = line_of(out, "qwen3:14b")
    assert "4096" in big and "8.0 GB VRAM (1.3 GB on CPU)" in big


def test_dead_endpoint_is_one_line_and_others_still_listed(fake_ollama, capsys, ingle_home):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    port = dead_port()
    config.write_text(f'[endpoints.gpu]\nurl = "http://127.0.0.1:{port}"\n')
    assert main(["models"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    dead = [line for line in out.splitlines() if line.startswith("gpu")]
    assert len(dead) == 1 and "not reachable" in dead[0] and "ollama serve" in dead[0]
    assert "qwen3:8b" in out


def test_every_endpoint_dead_exits_3(capsys, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{dead_port()}")
    assert main(["models"]) == 3
    assert "not reachable" in capsys.readouterr().out


def test_openai_endpoint_lists_served_models(fake_openai, capsys, ingle_home):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[endpoints.lab]\nkind = "openai"\nurl = "{fake_openai.url}"\n')
    fake_openai.models = ["qwen3-8b", "gemma-3-12b"]
    assert main(["models", "--endpoint", "lab"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"lab  openai  {fake_openai.url}")
    assert "gemma-3-12b" in out


def test_empty_server_and_unknown_endpoint(fake_ollama, capsys):
    fake_ollama.models.clear()
    assert main(["models"]) == 0
    assert "no models installed (`ollama pull qwen3:8b`)" in capsys.readouterr().out
    assert main(["models", "--endpoint", "nowhere"]) == 2
    assert "no endpoint named 'nowhere' (configured: local)" in capsys.readouterr().err


def test_model_whose_show_fails_is_still_listed(fake_ollama, capsys):
    fake_ollama.models["odd:1b"] = FakeModel(name="odd:1b")
    original = fake_ollama.find

    def hide_from_show(name: str):
        # /api/tags lists it; /api/show (which looks models up) answers 404
        return None if name == "odd:1b" else original(name)

    fake_ollama.find = hide_from_show
    assert main(["models"]) == 0
    assert "odd:1b" in capsys.readouterr().out


def test_json_lists_every_endpoint_with_its_models(fake_ollama, capsys, ingle_home):
    import json

    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[endpoints.gpu]\nurl = "http://127.0.0.1:{dead_port()}"\n')
    fake_ollama.models["qwen3:14b"].loaded = True
    assert main(["models", "--json"]) == 1  # one endpoint is dead: the same status as the table
    endpoints = {e["name"]: e for e in json.loads(capsys.readouterr().out)["endpoints"]}
    assert endpoints["gpu"]["unreachable"] and "ollama serve" in endpoints["gpu"]["error"]
    models = {m["name"]: m for m in endpoints["local"]["models"]}
    assert models["qwen3:8b"]["context_length"] == 40960
    assert models["qwen3:14b"]["loaded_vram"] is not None and models["qwen3:8b"]["loaded_vram"] is None
