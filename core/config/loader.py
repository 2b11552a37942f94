"""Load the effective settings from every source, remembering where each value came from.

Layers, lowest to highest: built-in defaults; the user's config.toml; the
repository's .ingle.toml (sensitive keys only once trusted); the environment;
command-line flags. A broken file stops loading with a message naming the file,
the key or line, and what was expected: Ingle never runs on a half-read config.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ingle.core.config.ollama_host import ollama_host_url
from ingle.core.errors import EXIT_USAGE, IngleError
from ingle.core.config.paths import IngleDirs
from ingle.core.config.settings import Settings
from ingle.core.config.untrusted import keep_conservative

REPO_CONFIG_NAME = ".ingle.toml"
DEFAULT_SOURCE = "default"


class ConfigError(IngleError):
    """A configuration source could not be used; the message says what to fix."""

    exit_status = EXIT_USAGE


@dataclass
class LoadedConfig:
    settings: Settings
    dirs: IngleDirs
    repo: Path | None
    # dotted key -> where its value came from ("default", a file path, "env OLLAMA_HOST", "flag")
    sources: dict[str, str] = field(default_factory=dict)
    # human-readable notices, e.g. sensitive repo settings ignored until `ingle trust`
    notices: list[str] = field(default_factory=list)

    def source_of(self, dotted: str) -> str:
        return source_of(self.sources, dotted)


def source_of(sources: Mapping[str, str], dotted: str) -> str:
    """The source of a key: its own entry, else its nearest parent's, else the default."""
    parts = dotted.split(".")
    for n in range(len(parts), 0, -1):
        found = sources.get(".".join(parts[:n]))
        if found:
            return found
    return DEFAULT_SOURCE


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. Fix the line named above.") from exc


def sensitive_paths(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Dotted keys whose fields are marked sensitive (endpoints, URLs, keys, commands)."""
    found: list[str] = []
    for name, info in model.model_fields.items():
        dotted = f"{prefix}{name}"
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("sensitive"):
            found.append(dotted)
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.extend(sensitive_paths(annotation, dotted + "."))
    return found


def _pop_path(data: dict[str, Any], dotted: str) -> bool:
    node: Any = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if isinstance(node, dict) and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False


def _merge(base: dict[str, Any], top: Mapping[str, Any], label: str, sources: dict[str, str],
           prefix: str = "") -> None:
    for key, value in top.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value, label, sources, dotted + ".")
        elif isinstance(value, Mapping):
            base[key] = {}
            _merge(base[key], value, label, sources, dotted + ".")
        else:
            base[key] = value
            sources[dotted] = label  # leaves only: a parent's source is its leaves'


def env_layer(env: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The environment variables Ingle honours, each as its own labelled layer."""
    layers: list[tuple[str, dict[str, Any]]] = []
    if env.get("OLLAMA_HOST"):
        url = ollama_host_url(env["OLLAMA_HOST"])
        layers.append(("env OLLAMA_HOST", {"endpoints": {"local": {"url": url}}}))
    if env.get("ANTHROPIC_API_KEY"):
        layers.append(("env ANTHROPIC_API_KEY", {"claude": {"api_key": env["ANTHROPIC_API_KEY"]}}))
    if env.get("ANTHROPIC_BASE_URL"):
        layers.append(("env ANTHROPIC_BASE_URL", {"claude": {"base_url": env["ANTHROPIC_BASE_URL"]}}))
    return layers


def load_config(
    repo: Path | None = None,
    env: Mapping[str, str] | None = None,
    flags: Mapping[str, Any] | None = None,
    trusted: bool | None = None,
) -> LoadedConfig:
    """Build the effective settings.

    `trusted` overrides the trust lookup (tests, `ingle trust` itself); by default
    the state database is asked whether this repository's config was trusted.
    """
    env = os.environ if env is None else env
    dirs = IngleDirs.from_env(env)
    sources: dict[str, str] = {}
    notices: list[str] = []
    merged: dict[str, Any] = Settings().model_dump(mode="python", exclude_none=True)
    # SecretStr values dump as SecretStr; defaults carry none, so plain data is fine here.

    layers: list[tuple[str, dict[str, Any]]] = []
    if dirs.config_file.is_file():
        user_data = read_toml(dirs.config_file)
        layers.append((str(dirs.config_file), user_data))
    repo_file = repo / REPO_CONFIG_NAME if repo else None
    if repo_file and repo_file.is_file():
        repo_data = read_toml(repo_file)
        if trusted is None:
            from ingle.core.config.trust import is_trusted

            trusted = is_trusted(dirs, repo_file)
        if not trusted:
            ignored = [p for p in sensitive_paths() if _pop_path(repo_data, p)]
            if ignored:
                notices.append(
                    f"{repo_file}: ignoring {', '.join(ignored)} until you trust this repository "
                    f"(run `ingle trust` in {repo} after reading the file)"
                )
            # Beneath the repository: the defaults and the user's own config.
            beneath = Settings().model_dump(mode="python", exclude_none=True)
            for label, data in layers:
                _merge(beneath, data, label, {})
            riskier = keep_conservative(repo_data, beneath)
            if riskier:
                notices.append(
                    f"{repo_file}: ignoring {'; '.join(riskier)}: an untrusted repository may only "
                    "make Ingle more careful (run tests, spend, send content), never less; "
                    f"run `ingle trust` in {repo} after reading the file, or set it in your own config"
                )
        layers.append((str(repo_file), repo_data))
    layers.extend(env_layer(env))
    if flags:
        layers.append(("flag", dict(flags)))

    for label, data in layers:
        _merge(merged, data, label, sources)
    try:
        settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, sources)) from exc
    return LoadedConfig(settings=settings, dirs=dirs, repo=repo, sources=sources, notices=notices)


def _explain(exc: ValidationError, sources: dict[str, str]) -> str:
    lines = []
    for err in exc.errors():
        dotted = ".".join(str(p) for p in err["loc"])
        origin = source_of(sources, dotted)
        line = _line_of(origin, dotted)
        at = f" (line {line})" if line else ""
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        lines.append(f"{origin}: key '{dotted}'{at}: {err['msg']}{shown}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


def _line_of(origin: str, dotted: str) -> int | None:
    """The line in a config file that sets `dotted` (its last key under its table), so the
    message can name it; None when the origin is not a file or the line is not found."""
    path = Path(origin)
    if not path.suffix == ".toml" or not path.is_file():
        return None
    *table, key = [part for part in dotted.split(".") if not part.isdigit()] or [""]
    current: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for number, text in enumerate(lines, 1):
        stripped = text.strip()
        if stripped.startswith("["):
            current = stripped.strip("[]").strip().split(".")
            continue
        name = stripped.partition("=")[0].strip().strip('"')
        if "=" in stripped and (current + name.split("."))[-len(table) - 1:] == [*table, key]:
            return number
    return None
