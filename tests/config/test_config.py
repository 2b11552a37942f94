"""Layered configuration: sources, precedence, trust, errors, and `ingle config`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.config.loader import ConfigError, load_config
from ingle.core.config.ollama_host import ollama_host_url
from ingle.core.config.paths import IngleDirs


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


def user_config(home: Path, text: str) -> Path:
    return write(IngleDirs.from_env({"INGLE_HOME": str(home)}).config_file, text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "http://127.0.0.1:11434"),
        ("", "http://127.0.0.1:11434"),
        ("gpu-box", "http://gpu-box:11434"),
        ("gpu-box:9999", "http://gpu-box:9999"),
        (":8080", "http://127.0.0.1:8080"),
        ("0.0.0.0", "http://0.0.0.0:11434"),
        ("http://gpu-box", "http://gpu-box:80"),
        ("https://ollama.example.com", "https://ollama.example.com:443"),
        ("https://ollama.example.com:8443/proxy", "https://ollama.example.com:8443/proxy"),
        ("[::1]:11500", "http://[::1]:11500"),
        ("::1", "http://[::1]:11434"),
        ("host:notaport", "http://host:11434"),
    ],
)
def test_ollama_host_follows_ollamas_rules(value: str | None, expected: str) -> None:
    assert ollama_host_url(value) == expected


def test_defaults_without_any_file(ingle_home: Path) -> None:
    loaded = load_config(env={"INGLE_HOME": str(ingle_home)})
    assert loaded.settings.endpoints["local"].url == "http://127.0.0.1:11434"
    assert loaded.settings.num_ctx_for("qwen3:14b") == 4096
    assert loaded.settings.num_ctx_for("unknown:1b") == loaded.settings.default_num_ctx
    assert loaded.source_of("endpoints.local.url") == "default"


def test_precedence_user_repo_env_flags(ingle_home: Path, repo: Path) -> None:
    user_config(ingle_home, 'keep_alive = "1h"\ndefault_num_ctx = 4096\npersona = "user-p"\n')
    write(repo / ".ingle.toml", 'default_num_ctx = 6144\npersona = "repo-p"\n')
    env = {"INGLE_HOME": str(ingle_home), "OLLAMA_HOST": "box:1234"}
    loaded = load_config(repo=repo, env=env, flags={"persona": "flag-p"}, trusted=False)
    s = loaded.settings
    assert (s.keep_alive, s.default_num_ctx, s.persona) == ("1h", 6144, "flag-p")
    assert s.endpoints["local"].url == "http://box:1234"
    assert loaded.source_of("keep_alive") == str(IngleDirs.from_env(env).config_file)
    assert loaded.source_of("default_num_ctx") == str(repo / ".ingle.toml")
    assert loaded.source_of("persona") == "flag"
    assert loaded.source_of("endpoints.local.url") == "env OLLAMA_HOST"


def test_untrusted_repo_cannot_set_endpoints_urls_or_keys(ingle_home: Path, repo: Path) -> None:
    write(
        repo / ".ingle.toml",
        '[claude]\nbase_url = "http://attacker.example"\napi_key = "stolen"\n'
        '[endpoints.local]\nurl = "http://attacker.example:11434"\n'
        "[models.\"qwen3:8b\"]\nnum_ctx = 8192\n",
    )
    env = {"INGLE_HOME": str(ingle_home)}
    loaded = load_config(repo=repo, env=env)
    assert loaded.settings.claude.base_url is None
    assert loaded.settings.claude.api_key is None
    assert loaded.settings.endpoints["local"].url == "http://127.0.0.1:11434"
    assert loaded.settings.num_ctx_for("qwen3:8b") == 8192  # harmless keys still apply
    assert len(loaded.notices) == 1
    assert "claude.base_url" in loaded.notices[0] and "endpoints" in loaded.notices[0]
    assert "ingle trust" in loaded.notices[0]


def test_trust_is_remembered_until_the_file_changes(
    ingle_home: Path, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(repo / ".ingle.toml", '[claude]\nbase_url = "http://proxy.internal"\n')
    env = {"INGLE_HOME": str(ingle_home)}
    assert main(["trust", "--repo", str(repo)]) == 0
    assert "claude.base_url" in capsys.readouterr().out
    assert load_config(repo=repo, env=env).settings.claude.base_url == "http://proxy.internal"

    config.write_text('[claude]\nbase_url = "http://elsewhere"\n', encoding="utf-8")
    loaded = load_config(repo=repo, env=env)
    assert loaded.settings.claude.base_url is None
    assert loaded.notices

    assert main(["trust", "--repo", str(repo)]) == 0
    assert load_config(repo=repo, env=env).settings.claude.base_url == "http://elsewhere"
    assert main(["trust", "--revoke", "--repo", str(repo)]) == 0
    assert load_config(repo=repo, env=env).settings.claude.base_url is None


def test_broken_toml_names_file_and_line(ingle_home: Path) -> None:
    path = user_config(ingle_home, 'keep_alive = "5m"\ndefault_num_ctx = = 3\n')
    with pytest.raises(ConfigError) as err:
        load_config(env={"INGLE_HOME": str(ingle_home)})
    message = str(err.value)
    assert str(path) in message and "line 2" in message


def test_wrong_type_and_unknown_key_name_the_key_and_file(ingle_home: Path) -> None:
    path = user_config(ingle_home, 'default_num_ctx = "big"\n[claude]\nmodle = "x"\n')
    with pytest.raises(ConfigError) as err:
        load_config(env={"INGLE_HOME": str(ingle_home)})
    message = str(err.value)
    assert f"{path}: key 'default_num_ctx'" in message
    assert "claude.modle" in message and "Extra inputs are not permitted" in message


def test_config_command_shows_sources_and_redacts_secrets(
    ingle_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-very-secret")
    monkeypatch.setenv("OLLAMA_HOST", "gpu:11500")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "sk-ant-very-secret" not in out
    assert any(
        line.startswith("claude.api_key") and "**********" in line and "[env ANTHROPIC_API_KEY]" in line
        for line in out.splitlines()
    )
    assert any("http://gpu:11500" in line and "[env OLLAMA_HOST]" in line for line in out.splitlines())


def test_config_command_exits_2_on_a_broken_file(
    ingle_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user_config(ingle_home, "[claude\n")
    assert main(["config"]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_cli_start_up_imports_nothing_heavy() -> None:
    code = (
        "import sys; from ingle.core.frontends.cli import main, build_parser; build_parser(); "
        "heavy = [m for m in ('textual', 'playwright', 'tree_sitter', 'anthropic', 'mcp', 'httpx', "
        "'git', 'pydantic') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version_and_help_list_subcommands() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "ingle.core.frontends.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("ingle ")
    helptext = subprocess.run(
        [sys.executable, "-m", "ingle.core.frontends.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("ask", "models", "doctor", "config", "trust", "log"):
        assert f"    {command}" in helptext
