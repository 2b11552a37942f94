"""Exporting a persona as an Ollama Modelfile, accepted by `ollama create -f`.

The Modelfile carries the same content as the /api/create body (it is written
from that body, so the two cannot drift): FROM, SYSTEM, PARAMETER temperature,
top_p, one line per stop sequence and the model's num_ctx, and MESSAGE lines for
the few-shot examples. Modelfile strings have no escapes, so every value is
read back with a port of Ollama's own parser before it is written; text that
Ollama would read differently is refused with the line at fault, rather than
exported wrong. `ingle persona register` sends JSON and has no such limits.
"""

from __future__ import annotations

from ingle.personas.create_body import build_create_body
from ingle.personas.modelfile_parser import ModelfileSyntaxError, parse_modelfile
from ingle.personas.resolved import ResolvedPersona


class ModelfileNotRepresentable(ValueError):
    """A value Ollama's Modelfile parser would not read back unchanged."""


def export_modelfile(resolved: ResolvedPersona, num_ctx: int) -> str:
    body = build_create_body(resolved, num_ctx)
    persona = resolved.persona
    lines = [
        f"# {_one_line(persona.name)} v{persona.version}: {_one_line(persona.description)}",
        f"# Exported by `ingle persona export`; create it with: ollama create {persona.name} -f <this file>",
        (
            "# Thinking is a per-request setting, not a Modelfile one: this persona sends "
            f"think={_think_text(persona.think.setting())} "
            f"(retry: {_think_text(persona.think.setting(retry=True))})."
        ),
    ]
    if persona.json_schema is not None:
        lines.append(
            "# It answers in JSON: send its schema as `format` with each request "
            f"(`ingle persona show {persona.name} --json` prints it)."
        )
    lines.append(f"FROM {modelfile_value(body.from_, 'FROM')}")
    lines.append(f"SYSTEM {modelfile_value(body.system, 'the system prompt', block=True)}")
    parameters = body.parameters
    lines.append(f"PARAMETER temperature {parameters.temperature!r}")
    lines.append(f"PARAMETER top_p {parameters.top_p!r}")
    for index, stop in enumerate(parameters.stop or []):
        lines.append(f"PARAMETER stop {modelfile_value(stop, f'stop[{index}]')}")
    lines.append(f"PARAMETER num_ctx {parameters.num_ctx}")
    for index, message in enumerate(body.messages):
        example = resolved.examples[index // 2]
        where = f"example '{example.ref}' ({message.role} side, {example.path})"
        lines.append(
            f"MESSAGE {message.role} {modelfile_value(message.content, where, block=True)}"
        )
    return "\n".join(lines) + "\n"


def modelfile_value(value: str, where: str, *, block: bool = False) -> str:
    """`value` quoted so Ollama reads back exactly `value`, else ModelfileNotRepresentable.

    Short plain values stay bare (`PARAMETER stop <|im_end|>`); `block` asks for
    triple quotes whatever the text, for prompts and messages people will edit.
    """
    for char in value:
        if char not in "\t\r\n" and not char.isprintable():
            raise ModelfileNotRepresentable(
                f"{where} contains the invisible character U+{ord(char):04X}, which Ollama's "
                "Modelfile parser drops; remove it, or use `ingle persona register`, which "
                "sends JSON and keeps the text exact"
            )
    simple = value == value.strip() and "\n" not in value and "\r" not in value
    bare = simple and value and not value.startswith('"') and not block
    quoted = value if bare else f'"""{value}"""'
    if _read_back(quoted) != value:
        raise ModelfileNotRepresentable(
            f"{where}: {_early_close_line(value)} ends with a double quote that would close "
            'the Modelfile\'s """ string early (Modelfiles have no escapes); reword that line, '
            "or use `ingle persona register`, which sends JSON and keeps the text exact"
        )
    return quoted


def _read_back(quoted: str) -> str | None:
    try:
        commands = parse_modelfile(f"FROM probe\nSYSTEM {quoted}\n")
    except ModelfileSyntaxError:
        return None
    values = [c.args for c in commands if c.name == "system"]
    return values[0] if len(values) == 1 else None


def _early_close_line(value: str) -> str:
    lines = value.splitlines()
    for number in range(1, len(lines) + 1):
        if ('"""' + "\n".join(lines[:number])).rstrip().endswith('"""'):
            return f"line {number} ({lines[number - 1].strip()[:60]!r})"
    return "a line"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _think_text(setting: bool | str) -> str:
    return str(setting).lower() if isinstance(setting, bool) else setting
