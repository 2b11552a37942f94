"""After `register`, read the model back through /api/show and compare it with what was
sent: a server that silently drops or changes a parameter is caught, not trusted."""

from __future__ import annotations

import json
from typing import Any

from ingle.core.backends.model_info import ModelShow
from ingle.core.lab.models import ParameterMismatch


def parse_parameters(text: str) -> dict[str, Any]:
    """/api/show's `parameters` text ("name value" lines; `stop` once per sequence)."""
    found: dict[str, Any] = {}
    for line in text.splitlines():
        name, _, raw = line.strip().partition(" ")
        if not name:
            continue
        value = _value(raw.strip())
        if name == "stop":
            found.setdefault("stop", []).append(value)
        else:
            found[name] = value
    return found


def _value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def compare(body: dict[str, Any], shown: ModelShow) -> list[ParameterMismatch]:
    """Every field of the create body whose read-back differs (system prompt, each parameter)."""
    mismatches: list[ParameterMismatch] = []
    if shown.system.strip() != str(body.get("system", "")).strip():
        mismatches.append(ParameterMismatch(field="system", sent=body.get("system"),
                                            read_back=shown.system))
    read = parse_parameters(shown.parameters)
    for name, sent in (body.get("parameters") or {}).items():
        got = read.get(name)
        if name == "stop":
            same = sorted(sent or []) == sorted(got or [])
        elif isinstance(sent, (int, float)) and isinstance(got, (int, float)):
            same = abs(float(sent) - float(got)) < 1e-6
        else:
            same = sent == got
        if not same:
            mismatches.append(ParameterMismatch(field=f"parameters.{name}", sent=sent,
                                                read_back=got))
    return mismatches
