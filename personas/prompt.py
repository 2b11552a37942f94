"""Rendering a persona into what a model call sends: system prompt, messages, sampling.

The skeleton prompt is rendered in a fixed order, ROLE then CONSTRAINTS then
FORMAT, each under its heading; an empty section is left out. Few-shot examples
become prior user/assistant exchanges between the system prompt and the user's
message, which is how small models follow them best.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ingle.personas.model import Persona

SECTIONS: tuple[tuple[str, str], ...] = (
    ("ROLE", "role"),
    ("CONSTRAINTS", "constraints"),
    ("FORMAT", "format"),
)


class PromptMessage(BaseModel):
    """One message as a chat API takes it (callers map it to their backend's type)."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class Sampling(BaseModel):
    """The persona's sampling options, as Ollama's `options` names them."""

    temperature: float
    top_p: float
    stop: list[str] = Field(default_factory=list)


def render_system_prompt(persona: Persona) -> str:
    parts = []
    for heading, field in SECTIONS:
        text = getattr(persona, field).strip()
        if text:
            parts.append(f"{heading}:\n{text}")
    return "\n\n".join(parts)


def build_chat_messages(
    system_prompt: str,
    examples: Sequence[tuple[str, str]],
    user_text: str,
    history: Sequence[PromptMessage] = (),
) -> list[PromptMessage]:
    messages = [PromptMessage(role="system", content=system_prompt)]
    for question, answer in examples:
        messages.append(PromptMessage(role="user", content=question))
        messages.append(PromptMessage(role="assistant", content=answer))
    messages.extend(history)
    messages.append(PromptMessage(role="user", content=user_text))
    return messages


def sampling_of(persona: Persona) -> Sampling:
    return Sampling(temperature=persona.temperature, top_p=persona.top_p, stop=list(persona.stop))
