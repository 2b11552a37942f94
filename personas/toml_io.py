"""Persona files: TOML in, a validated Persona out, and back to TOML.

Reading uses the standard library's tomllib. Writing is done here because the
project has no TOML writer dependency and a persona's shape is small and fixed:
scalars, lists of strings, one inline table (think) and multi-line text. The
JSON schema is written as JSON text inside a multi-line string (TOML has no
null, and a schema reads best as the JSON it is).
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ingle.personas.model import Persona
from ingle.personas.problems import FileProblem, FileRejected, read_toml_file, validation_problems

# The order fields are written in: identity, model, sampling, examples, schema, prompt.
_SCALAR_FIELDS = (
    "name",
    "description",
    "version",
    "tags",
    "",
    "base_model",
    "fallback_models",
    "candidate_models",
    "task_kinds",
    "min_context",
    "",
    "temperature",
    "top_p",
    "stop",
    "think",
    "",
    "examples",
)
_TEXT_FIELDS = ("role", "constraints", "format")


def load_persona_file(path: Path) -> Persona:
    """The persona in `path`; FileRejected lists every problem (field by field)."""
    data = read_toml_file(path)
    try:
        persona = Persona.model_validate(data)
    except ValidationError as exc:
        raise FileRejected(validation_problems(path, exc, Persona)) from exc
    if persona.name != path.stem:
        raise FileRejected(
            [
                FileProblem(
                    path=path,
                    field="name",
                    message=f"'{persona.name}' does not match the file name; rename the file to "
                    f'{persona.name}.toml or set name = "{path.stem}"',
                )
            ]
        )
    return persona


def persona_from_toml(text: str) -> Persona:
    return Persona.model_validate(tomllib.loads(text))


def persona_to_toml(persona: Persona) -> str:
    data = persona.model_dump(mode="json")
    lines: list[str] = []
    for key in _SCALAR_FIELDS:
        if not key:
            if lines and lines[-1]:
                lines.append("")
            continue
        if key == "candidate_models" and not data[key]:
            continue  # optional; files without it stay as they were
        lines.append(f"{key} = {toml_value(data[key])}")
    if data["json_schema"] is not None:
        lines.append("")
        lines.append(f"json_schema = {toml_text(json.dumps(data['json_schema'], indent=2))}")
    for key in _TEXT_FIELDS:
        if data[key]:
            lines.append("")
            lines.append(f"{key} = {toml_text(data[key])}")
    return "\n".join(lines) + "\n"


def save_persona(persona: Persona, directory: Path) -> Path:
    """Write `<directory>/<name>.toml` atomically (a crash never leaves half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{persona.name}.toml"
    partial = target.with_suffix(".toml.partial")
    partial.write_text(persona_to_toml(persona), encoding="utf-8")
    partial.replace(target)
    return target


def toml_value(value: Any) -> str:
    """A TOML value for the JSON-like data a persona holds (no null: TOML has none)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written to TOML")
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise ValueError(f"{value!r} cannot be written to TOML")


def toml_key(key: str) -> str:
    if key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key):
        return key
    return toml_string(key)


def toml_string(text: str) -> str:
    """A one-line TOML basic string, every special character escaped."""
    out = ['"']
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def toml_text(text: str) -> str:
    """Multi-line text as a readable literal block when TOML allows it, else escaped.

    A literal block ('''...''') cannot hold ''' or control characters other than
    tab and newline; the newline right after the opening quotes is dropped by
    TOML, and the closing quotes get a line of their own (readers strip it).
    """
    literal_ok = (
        "'''" not in text
        and not text.endswith("'")
        and all(c in "\t\n" or (ord(c) >= 0x20 and ord(c) != 0x7F) for c in text)
    )
    if literal_ok:
        return f"'''\n{text}\n'''"
    return toml_string(text)
