"""Exports are generated from a persona version, never the source of one: an Ollama
Modelfile, the `/api/create` JSON body, and a Claude Code subagent file
(`.claude/agents/NAME.md`: YAML front matter, then the system prompt)."""

from __future__ import annotations

import json

from ingle.core.lab.models import ExportFormat
from ingle.personas.create_body import build_create_body
from ingle.personas.modelfile import export_modelfile
from ingle.personas.resolved import ResolvedPersona

# Claude Code's model field takes an alias; a local model name means nothing there, so the
# agent inherits the session's model.
CLAUDE_MODEL = "inherit"


def export_text(resolved: ResolvedPersona, fmt: ExportFormat, num_ctx: int) -> str:
    """The persona as `fmt`. Raises ModelfileNotRepresentable for a Modelfile it cannot hold."""
    if fmt == "modelfile":
        return export_modelfile(resolved, num_ctx)
    if fmt == "ollama-json":
        body = build_create_body(resolved, num_ctx).to_json()
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return claude_agent(resolved)


def suggested_path(name: str, fmt: ExportFormat) -> str:
    return {
        "modelfile": f"{name}.Modelfile",
        "ollama-json": f"{name}.create.json",
        "claude-agent": f".claude/agents/{name}.md",
    }[fmt]


def claude_agent(resolved: ResolvedPersona) -> str:
    """A Claude Code subagent file. Front matter values are JSON strings, which YAML
    reads as double-quoted scalars, so any text survives the round trip."""
    persona = resolved.persona
    front = {
        "name": persona.name,
        "description": persona.description,
        "model": CLAUDE_MODEL,
    }
    lines = ["---", *(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items()), "---", ""]
    body = resolved.system_prompt()
    for index, (question, answer) in enumerate(resolved.example_pairs(), start=1):
        body += f"\n\n## Example {index}\n\nInput:\n\n{question}\n\nAnswer:\n\n{answer}"
    return "\n".join(lines) + body + "\n"


def parse_claude_agent(text: str) -> tuple[dict[str, str], str]:
    """(front matter, body) of a Claude Code agent file as `claude_agent` writes it:
    `key: value` lines between `---` fences, values plain or double-quoted."""
    lines = text.split("\n")
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise ValueError("no front matter: the file must start with a line '---'")
    end = lines.index("---", 1)
    front: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"front matter line without 'key: value': {line!r}")
        value = value.strip()
        front[key.strip()] = json.loads(value) if value.startswith('"') else value
    body = "\n".join(lines[end + 1:]).removeprefix("\n").removesuffix("\n")
    return front, body
