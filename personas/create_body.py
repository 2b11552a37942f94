"""The JSON body of Ollama's /api/create that makes a persona a model of its own.

The same content as the exported Modelfile (FROM, SYSTEM, PARAMETERs, MESSAGEs),
in the JSON form Ollama accepts since it stopped taking Modelfile text. num_ctx
comes from the caller: it is the per-model setting, never the persona's own.
`think` and the JSON schema have no place in a model: clients send them per
request.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ingle.personas.prompt import PromptMessage
from ingle.personas.resolved import ResolvedPersona


class CreateParameters(BaseModel):
    temperature: float
    top_p: float
    # Omitted when empty, so the base model's own stop sequences stay in force.
    stop: list[str] | None = None
    num_ctx: int = Field(ge=1)


class CreateModelBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    model: str
    from_: str = Field(alias="from")
    system: str
    parameters: CreateParameters
    messages: list[PromptMessage] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The body as sent: `from` spelt as Ollama spells it, empty fields left out."""
        body = self.model_dump(by_alias=True, exclude_none=True)
        if not body["messages"]:
            del body["messages"]
        return body


def build_create_body(
    resolved: ResolvedPersona, num_ctx: int, model_name: str | None = None
) -> CreateModelBody:
    persona = resolved.persona
    messages: list[PromptMessage] = []
    for question, answer in resolved.example_pairs():
        messages.append(PromptMessage(role="user", content=question))
        messages.append(PromptMessage(role="assistant", content=answer))
    return CreateModelBody(
        model=model_name or persona.name,
        from_=persona.model_ref.model,
        system=resolved.system_prompt(),
        parameters=CreateParameters(
            temperature=persona.temperature,
            top_p=persona.top_p,
            stop=list(persona.stop) or None,
            num_ctx=num_ctx,
        ),
        messages=messages,
    )
