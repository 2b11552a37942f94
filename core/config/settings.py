"""The settings model: one pydantic tree for everything Ingle can be told.

Fields marked `sensitive` name endpoints, URLs, keys or commands. A repository's
own `.ingle.toml` may not set them until the user trusts that repository (see
`core/config/trust.py`): a cloned repository is untrusted input.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ingle.core.config.ladder import BudgetSettings
from ingle.core.config.expenses import ExpenseSettings
from ingle.core.config.jobs import JobSettings
from ingle.core.config.memories import MemorySettings
from ingle.core.config.cascade import CascadeSettings
from ingle.core.config.ollama_host import DEFAULT_OLLAMA_URL
from ingle.core.config.tests import TestSettings
from ingle.validators.settings import GateSettings

SENSITIVE: dict[str, Any] = {"sensitive": True}


class _Section(BaseModel):
    # A misspelt key is an error with its name, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid")


class Endpoint(_Section):
    """A model server. Several may serve the same models; work fans out over them."""

    kind: Literal["ollama", "openai", "embedded"] = "ollama"
    url: str = DEFAULT_OLLAMA_URL
    api_key: SecretStr | None = None
    concurrency: int = Field(2, ge=1, le=64, description="requests in flight at once")
    # kind = "embedded": Ingle starts llama-cpp-python's server itself (url is not used).
    model_path: str | None = Field(
        None, description="embedded: the GGUF file to serve (default: the bundled SmolLM2-135M)"
    )
    n_ctx: int = Field(4096, ge=512, le=1_048_576, description="embedded: the context window")


class ModelSettings(_Section):
    """Per-model settings. num_ctx is fixed per model so that every caller sends the
    same value: Ollama reloads a model whenever num_ctx changes."""

    num_ctx: int | None = Field(None, ge=512, le=1_048_576)
    keep_alive: str | None = None


class Price(_Section):
    """US dollars per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write: float | None = Field(None, ge=0)
    cache_read: float | None = Field(None, ge=0)


def _default_prices() -> dict[str, Price]:
    return {
        "claude-haiku-4-5": Price(input=1.0, output=5.0),
        "claude-sonnet-4-5": Price(input=3.0, output=15.0),
        "claude-sonnet-4-6": Price(input=3.0, output=15.0),
        "claude-opus-4-5": Price(input=5.0, output=25.0),
        "claude-opus-4-6": Price(input=5.0, output=25.0),
    }


class ClaudeSettings(_Section):
    model: str = "claude-sonnet-4-6"
    api_key: SecretStr | None = Field(None, json_schema_extra=SENSITIVE)
    base_url: str | None = Field(None, json_schema_extra=SENSITIVE)
    daily_cap_usd: float = Field(2.0, ge=0, description="no escalation past this spend per day")
    max_tokens: int = Field(8192, ge=1)
    prices: dict[str, Price] = Field(default_factory=_default_prices)


def _default_models() -> dict[str, ModelSettings]:
    # qwen3:14b fits a 12 GB GPU only with about 4K context (the user's measurement).
    return {
        "qwen3:14b": ModelSettings(num_ctx=4096),
        "qwen3:8b": ModelSettings(num_ctx=16384),
        "qwen3:4b": ModelSettings(num_ctx=8192),
        "qwen2.5-coder:7b": ModelSettings(num_ctx=16384),
    }


def _default_roles() -> dict[str, str]:
    return {
        "code": "qwen3:8b",
        "frontend": "qwen3:8b",
        "architecture": "qwen3:14b",
        "review": "qwen3:8b",
        "classification": "qwen3:4b",
        "summary": "qwen3:4b",
        "translation": "qwen3:8b",
        "writing": "qwen3:8b",
    }


def _default_endpoints() -> dict[str, Endpoint]:
    return {"local": Endpoint()}


class GitSettings(_Section):
    dirty_files: Literal["commit", "refuse"] = Field(
        "commit", description="what to do with uncommitted user changes in a file a turn edits"
    )
    generate_messages: bool = Field(
        True, description="let the classifier persona write commit messages (else a fixed rule)"
    )
    message_timeout_s: float = Field(
        30.0, gt=0, description="how long the commit message may take before the fixed rule is used"
    )


class Settings(_Section):
    """Everything configurable. Sources, lowest to highest: defaults, the user's
    config.toml, the repository's .ingle.toml, the environment, command-line flags."""

    endpoints: dict[str, Endpoint] = Field(
        default_factory=_default_endpoints, json_schema_extra=SENSITIVE
    )
    models: dict[str, ModelSettings] = Field(default_factory=_default_models)
    default_num_ctx: int = Field(8192, ge=512, description="num_ctx for models not listed")
    roles: dict[str, str] = Field(default_factory=_default_roles)
    keep_alive: str = "10m"
    persona: str | None = Field(None, description="default persona for this repository")
    instruction_files: list[str] = Field(
        default_factory=lambda: ["AGENTS.md", "CONVENTIONS.md", "CLAUDE.md"],
        description="read-only project instructions added to every prompt",
    )
    claude: ClaudeSettings = Field(default_factory=ClaudeSettings)
    git: GitSettings = Field(default_factory=GitSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    gates: GateSettings = Field(default_factory=GateSettings)
    cascade: CascadeSettings = Field(default_factory=CascadeSettings)
    tests: TestSettings = Field(default_factory=TestSettings)
    expenses: ExpenseSettings = Field(default_factory=ExpenseSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    memories: MemorySettings = Field(default_factory=MemorySettings)

    def num_ctx_for(self, model: str) -> int:
        """The one num_ctx every request for `model` uses (before capping at the
        model's trained length, which the backend learns from /api/show)."""
        entry = self.models.get(model) or self.models.get(_strip_latest(model))
        if entry and entry.num_ctx:
            return entry.num_ctx
        return self.default_num_ctx

    def keep_alive_for(self, model: str) -> str:
        entry = self.models.get(model) or self.models.get(_strip_latest(model))
        return entry.keep_alive if entry and entry.keep_alive else self.keep_alive


def _strip_latest(model: str) -> str:
    return model[: -len(":latest")] if model.endswith(":latest") else model
