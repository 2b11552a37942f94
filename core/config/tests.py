"""Test-gate settings. Core mounts this model into its Settings tree as `tests`.

The test gate is off by default (as Aider's auto-test): running a repository's tests
runs its code. `command` names a program to run, so it is sensitive: a repository's
untrusted .ingle.toml may not set it; detection or the user's own config decides.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SENSITIVE: dict[str, Any] = {"sensitive": True}


class TestSettings(BaseModel):
    __test__ = False  # not a pytest test class, despite its name

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="run the repository's tests after a turn's edits")
    command: str | None = Field(
        None,
        json_schema_extra=SENSITIVE,
        description="shell command that runs the tests; unset: detect it (pytest, go test, ...)",
    )
    timeout_s: float = Field(
        300.0, gt=0, description="seconds one test run may take (related and full together)"
    )
    related_first: bool = Field(
        True, description="run the tests related to the changed files first, when the tool allows"
    )
