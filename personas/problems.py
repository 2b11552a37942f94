"""What is wrong with a persona or example file, said so a person can fix it.

Loading never stops at a broken file: each problem names the file and the
field at fault, the file is skipped, and everything else still loads.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError


class FileProblem(BaseModel):
    path: Path
    field: str | None = None  # dotted, with list indexes: "think.first", "examples[2]"
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else str(self.path)
        return f"{where}: {self.message}"


class FileRejected(Exception):
    """A file that cannot be used; carries every problem found in it."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def read_toml_file(path: Path) -> dict[str, Any]:
    """The file's table, or FileRejected saying why it could not be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileRejected(
            [FileProblem(path=path, message=f"not UTF-8 text ({exc.reason})")]
        ) from exc
    except OSError as exc:
        raise FileRejected(
            [FileProblem(path=path, message=f"cannot read: {exc.strerror}")]
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message carries "(at line N, column M)".
        raise FileRejected([FileProblem(path=path, message=f"not valid TOML: {exc}")]) from exc


def validation_problems(
    path: Path, error: ValidationError, model: type[BaseModel]
) -> list[FileProblem]:
    """One problem per pydantic error, with the field's dotted path and a fix where we know one."""
    problems: list[FileProblem] = []
    for item in error.errors(include_url=False):
        field = _dotted(item["loc"])
        message = item["msg"]
        if item["type"] == "extra_forbidden":
            message = _unknown_field_message(item["loc"], model)
        elif item["type"] == "missing":
            message = "required, but missing"
        elif message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        problems.append(FileProblem(path=path, field=field, message=message))
    return problems


def _dotted(loc: tuple[int | str, ...]) -> str | None:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def _unknown_field_message(loc: tuple[int | str, ...], model: type[BaseModel]) -> str:
    known = _fields_at(model, loc[:-1])
    if not known:
        return "unknown field"
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown field{hint} (known: {', '.join(known)})"


def _fields_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(str(part))
        if info is None:
            return []
        current = info.annotation
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []
