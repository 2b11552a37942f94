"""list_personas and ask_persona: any local persona, as it is configured."""

from __future__ import annotations

from ingle.core.backends.meter import UsageMeter
from ingle.core.frontends.mcp.results import PersonaAnswer, PersonaInfo, PersonaList
from ingle.core.frontends.mcp.runtime import PersonaRunner


def list_personas(runner: PersonaRunner) -> PersonaList:
    registry = runner.registry
    personas = []
    for name in registry.names():
        resolved = registry.get(name)
        persona = resolved.persona
        personas.append(
            PersonaInfo(
                name=name,
                description=persona.description,
                model=str(resolved.model_ref),
                task_kinds=list(persona.task_kinds),
                tags=list(persona.tags),
                structured=persona.json_schema is not None,
                source=resolved.source,
            )
        )
    return PersonaList(personas=personas, problems=[str(p) for p in registry.problems])


async def ask_persona(runner: PersonaRunner, name: str, prompt: str) -> PersonaAnswer:
    """The persona's system prompt, examples, sampling, first-attempt thinking and schema."""
    persona = runner.persona(name)
    meter = UsageMeter(persona.name)
    result = await runner.caller.call(
        persona, prompt, task_kind="mcp:ask_persona", meter=meter, think=persona.think(),
        json_schema=persona.json_schema,
    )
    return PersonaAnswer(
        persona=persona.name,
        answer=result.text.strip(),
        data=result.parsed_json,
        usage=meter.total(),
    )
