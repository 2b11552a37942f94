"""A persona ready to use: its file read, its example references resolved, its source known."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ingle.personas.examples import Example
from ingle.personas.model import ModelRef, Persona
from ingle.personas.prompt import (
    PromptMessage,
    Sampling,
    build_chat_messages,
    render_system_prompt,
    sampling_of,
)

PersonaSource = Literal["builtin", "user"]


class ResolvedPersona(BaseModel):
    model_config = ConfigDict(frozen=True)

    persona: Persona
    examples: list[Example]
    source: PersonaSource
    path: Path
    # The built-in file this user file replaces, if any.
    overrides: Path | None = None
    # The store's number for this content (`name@N`), once versions are tracked.
    version_number: int | None = None

    @property
    def label(self) -> str:
        """`name@N` when the version is known, else the name: what calls are logged as."""
        return f"{self.name}@{self.version_number}" if self.version_number else self.name

    @property
    def name(self) -> str:
        return self.persona.name

    @property
    def model_ref(self) -> ModelRef:
        return self.persona.model_ref

    @property
    def json_schema(self) -> dict[str, Any] | None:
        return self.persona.json_schema

    def system_prompt(self) -> str:
        return render_system_prompt(self.persona)

    def example_pairs(self) -> list[tuple[str, str]]:
        return [(e.input, e.output) for e in self.examples]

    def chat_messages(
        self, user_text: str, history: Sequence[PromptMessage] = ()
    ) -> list[PromptMessage]:
        """System prompt, few-shot exchanges, the conversation so far, then the user's text."""
        return build_chat_messages(self.system_prompt(), self.example_pairs(), user_text, history)

    def sampling(self) -> Sampling:
        return sampling_of(self.persona)

    def think(self, *, retry: bool = False) -> bool | str:
        return self.persona.think.setting(retry=retry)
