"""Reading a Modelfile exactly as Ollama does (a port of ollama/ollama parser/parser.go).

Ollama's parser is a small state machine with quirks that decide what survives
an export: a value ends at the first newline where the text so far is a whole
quoted string (so a line ending in triple quotes closes a triple-quoted value
early), there are no escapes, and runes Go does not consider printable are
dropped (tab, CR and LF inside quotes are kept). The exporter uses this to
prove what it writes reads back unchanged, and tests use it to read exports
field by field. `create_request` mirrors `Modelfile.CreateRequest`: the JSON
body `ollama create` would send for the file.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import Any

from pydantic import BaseModel


class ModelfileSyntaxError(ValueError):
    pass


class ModelfileCommand(BaseModel):
    name: str  # "model" for FROM, lower-case instruction, or the parameter's name
    args: str  # for MESSAGE: "role: content"


class _State(Enum):
    NIL = auto()
    NAME = auto()
    VALUE = auto()
    PARAMETER = auto()
    MESSAGE = auto()
    COMMENT = auto()


_COMMANDS = frozenset(
    {
        "from",
        "license",
        "template",
        "system",
        "adapter",
        "draft",
        "renderer",
        "parser",
        "parameter",
        "message",
        "requires",
    }
)
_ROLES = frozenset({"system", "user", "assistant"})
_UNEXPECTED_EOF = "unexpected EOF"
_INT_PARAMETERS = frozenset(
    {
        "num_ctx",
        "num_predict",
        "num_keep",
        "seed",
        "top_k",
        "repeat_last_n",
        "num_batch",
        "num_gpu",
        "main_gpu",
        "num_thread",
    }
)
_FLOAT_PARAMETERS = frozenset(
    {
        "temperature",
        "top_p",
        "min_p",
        "typical_p",
        "repeat_penalty",
        "presence_penalty",
        "frequency_penalty",
    }
)
_LIST_PARAMETERS = frozenset({"stop"})
_BOOL_PARAMETERS = frozenset({"use_mmap"})


def _is_space(r: str) -> bool:
    return r in " \t"


def _is_newline(r: str) -> bool:
    return r in "\r\n"


def _is_alpha(r: str) -> bool:
    return ("a" <= r <= "z") or ("A" <= r <= "Z")


def _is_print(r: str) -> bool:
    # Go's strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII
    # space, which is the set Python's isprintable() accepts.
    return r != "" and r.isprintable()


def unquote(text: str) -> tuple[str, bool]:
    if text[:3] == '"""':
        if len(text) >= 6 and text[-3:] == '"""':
            return text[3:-3], True
        return "", False
    if text[:1] == '"':
        if len(text) >= 2 and text[-1] == '"':
            return text[1:-1], True
        return "", False
    return text, True


def _next_state(r: str, state: _State) -> tuple[_State, str, str | None]:
    """(next state, the rune to keep, or "" for none, error message or None)."""
    if state is _State.NIL:
        if r == "#":
            return _State.COMMENT, "", None
        if _is_space(r) or _is_newline(r):
            return _State.NIL, "", None
        return _State.NAME, r, None
    if state is _State.NAME:
        if _is_alpha(r):
            return _State.NAME, r, None
        if _is_space(r):
            return _State.VALUE, "", None
        return _State.NIL, "", "invalid command"
    if state is _State.VALUE:
        if _is_newline(r) or _is_space(r):
            return _State.NIL, r, None
        return _State.VALUE, r, None
    if state is _State.PARAMETER:
        if _is_alpha(r) or r.isdigit() and r.isascii() or r == "_":
            return _State.PARAMETER, r, None
        if _is_space(r):
            return _State.VALUE, "", None
        return _State.NIL, "", _UNEXPECTED_EOF
    if state is _State.MESSAGE:
        if _is_alpha(r):
            return _State.MESSAGE, r, None
        if _is_space(r):
            return _State.VALUE, "", None
        return _State.NIL, "", _UNEXPECTED_EOF
    # COMMENT
    if _is_newline(r):
        return _State.NIL, "", None
    return _State.COMMENT, "", None


def parse_modelfile(text: str) -> list[ModelfileCommand]:
    commands: list[ModelfileCommand] = []
    name = ""
    role = ""
    state = _State.NIL
    line = 1
    buffer: list[str] = []
    text = text.removeprefix("\ufeff")
    for char in text:
        if _is_newline(char):
            line += 1
        following, kept, error = _next_state(char, state)
        if error == _UNEXPECTED_EOF:
            raise ModelfileSyntaxError(f"unexpected EOF: {''.join(buffer)}")
        if error:
            raise ModelfileSyntaxError(f"(line {line}): {_error_text(error)}")
        if following is not state:
            current = "".join(buffer)
            if state is _State.NAME:
                if current.lower() not in _COMMANDS:
                    raise ModelfileSyntaxError(f"(line {line}): {_error_text('invalid command')}")
                lowered = current.lower()
                if lowered == "from":
                    name = "model"
                elif lowered == "parameter":
                    following = _State.PARAMETER
                else:
                    if lowered == "message":
                        following = _State.MESSAGE
                    name = lowered
            elif state is _State.PARAMETER:
                name = current
            elif state is _State.MESSAGE:
                if current not in _ROLES:
                    raise ModelfileSyntaxError(
                        f'(line {line}): message role must be one of "system", "user", or "assistant"'
                    )
                role = current
            elif state is _State.VALUE:
                value, ok = unquote(current.strip())
                if not ok or _is_space(kept):
                    buffer.append(kept)
                    continue
                if role:
                    value = f"{role}: {value}"
                    role = ""
                commands.append(ModelfileCommand(name=name, args=value))
            buffer = []
            state = following
        if _is_print(kept):
            buffer.append(kept)
    if state is _State.VALUE:
        value, ok = unquote("".join(buffer).strip())
        if not ok:
            raise ModelfileSyntaxError(_UNEXPECTED_EOF)
        if role:
            value = f"{role}: {value}"
        commands.append(ModelfileCommand(name=name, args=value))
    elif state not in (_State.NIL, _State.COMMENT):
        raise ModelfileSyntaxError(_UNEXPECTED_EOF)
    if not any(c.name == "model" for c in commands):
        raise ModelfileSyntaxError("no FROM line")
    return commands


def _error_text(error: str) -> str:
    if error == "invalid command":
        return (
            'command must be one of "from", "license", "template", "system", "adapter", '
            '"draft", "renderer", "parser", "parameter", "message", or "requires"'
        )
    return error


def create_request(commands: list[ModelfileCommand]) -> dict[str, Any]:
    """The /api/create fields `ollama create` derives from these commands (model name aside)."""
    request: dict[str, Any] = {}
    parameters: dict[str, Any] = {}
    messages: list[dict[str, str]] = []
    for command in commands:
        if command.name == "model":
            request["from"] = command.args
        elif command.name in ("system", "template", "renderer", "parser", "requires"):
            request[command.name] = command.args
        elif command.name == "message":
            role, _, content = command.args.partition(": ")
            messages.append({"role": role, "content": content})
        elif command.name in ("license", "adapter", "draft"):
            request.setdefault(command.name, []).append(command.args)
        else:
            value = _typed_parameter(command.name, command.args)
            if command.name in _LIST_PARAMETERS:
                parameters.setdefault(command.name, []).append(value)
            else:
                parameters[command.name] = value
    if parameters:
        request["parameters"] = parameters
    if messages:
        request["messages"] = messages
    return request


def _typed_parameter(name: str, value: str) -> Any:
    try:
        if name in _INT_PARAMETERS:
            return int(value)
        if name in _FLOAT_PARAMETERS:
            return float(value)
        if name in _BOOL_PARAMETERS:
            return {"true": True, "false": False}[value.lower()]
    except (ValueError, KeyError) as exc:
        raise ModelfileSyntaxError(f"PARAMETER {name}: '{value}' is not a valid value") from exc
    if name in _LIST_PARAMETERS:
        return value
    raise ModelfileSyntaxError(f"PARAMETER {name}: unknown parameter")
