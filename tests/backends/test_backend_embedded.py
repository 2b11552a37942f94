"""The `embedded` endpoint's failures, through `ingle ask`: each says what to do.

(Its working path, with the real server and model, is in tests/real_model/.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingle.core.backends.llama_server import server_installed
from ingle.core.frontends.cli import main


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def configure(ingle_home: Path, model_path: Path) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[endpoints.mine]\nkind = "embedded"\nmodel_path = "{model_path}"\n')


def test_a_missing_model_file_is_named(ingle_home, tmp_path, capsys):
    configure(ingle_home, tmp_path / "nowhere.gguf")
    assert main(["ask", "-m", "nowhere@mine", "hi"]) != 0
    err = capsys.readouterr().err
    if server_installed():
        assert f"no model file at {tmp_path / 'nowhere.gguf'}" in err
    else:
        assert "llama-cpp-python's server is not installed" in err
        assert "pip install 'ingle[embedded]'" in err


@pytest.mark.skipif(not server_installed(), reason="needs llama-cpp-python's server "
                    "(bash tests/run_all.sh installs it)")
def test_a_file_that_is_no_model_stops_the_server_with_its_last_words(ingle_home, tmp_path,
                                                                      capsys):
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file at all")
    configure(ingle_home, bogus)
    assert main(["ask", "-m", "bogus@mine", "hi"]) != 0
    err = capsys.readouterr().err
    assert "the llama.cpp server for bogus.gguf did not start; its last words:" in err


def test_the_embedded_kind_is_a_valid_endpoint_and_its_settings_are_checked(ingle_home, capsys):
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[endpoints.mine]\nkind = "embedded"\nn_ctx = 10\n')
    assert main(["ask", "-m", "x@mine", "hi"]) != 0
    assert "endpoints.mine.n_ctx" in capsys.readouterr().err
