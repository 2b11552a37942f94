"""A form for every persona field, validated as you type (the Persona model is the rule)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static, TextArea

from ingle.personas.model import Persona

# (field, label, kind): "text" one line, "list" comma-separated, "json" JSON text, "block"
# several lines. think.first / think.retry are the two halves of the think policy.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("name", "name", "text"),
    ("description", "description", "text"),
    ("base_model", "base model", "text"),
    ("candidate_models", "candidate models", "list"),
    ("fallback_models", "fallback models", "list"),
    ("task_kinds", "task kinds", "list"),
    ("tags", "tags", "list"),
    ("temperature", "temperature", "text"),
    ("top_p", "top_p", "text"),
    ("stop", "stop (JSON list)", "json"),
    ("think.first", "think (first try)", "text"),
    ("think.retry", "think (retry)", "text"),
    ("min_context", "min context", "text"),
    ("examples", "examples", "list"),
    ("role", "ROLE", "block"),
    ("constraints", "CONSTRAINTS", "block"),
    ("format", "FORMAT", "block"),
    ("json_schema", "JSON schema (empty: free text)", "block"),
)


def _widget_id(field: str) -> str:
    return "field-" + field.replace(".", "-").replace("_", "-")


class PersonaForm(VerticalScroll):
    """Shows a persona; every change re-validates and posts `Changed` with the result."""

    DEFAULT_CSS = """
    PersonaForm { padding: 0 1; }
    PersonaForm Label { color: $text-muted; margin-top: 1; }
    PersonaForm Input.-invalid, PersonaForm TextArea.-invalid { border: tall $error; }
    PersonaForm TextArea { height: 6; }
    PersonaForm #form-errors { color: $error; }
    """

    class Changed(Message):
        def __init__(self, persona: Persona | None, errors: dict[str, str]) -> None:
            super().__init__()
            self.persona = persona
            self.errors = errors

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loading = False
        self.persona: Persona | None = None
        self.errors: dict[str, str] = {}
        self.version = 1

    def compose(self) -> ComposeResult:
        yield Static("", id="form-errors", markup=False)
        for field, label, kind in FIELDS:
            yield Label(label)
            if kind == "block":
                yield TextArea("", id=_widget_id(field), soft_wrap=True)
            else:
                yield Input("", id=_widget_id(field))

    def load(self, persona: Persona) -> None:
        """Show `persona` (no Changed message for the load itself)."""
        self._loading = True
        self.version = persona.version
        data = persona.model_dump(mode="json")
        for field, _, kind in FIELDS:
            value = data["think"][field.split(".")[1]] if field.startswith("think.") else data[field]
            text = _text(value, kind)
            widget = self.query_one(f"#{_widget_id(field)}")
            if isinstance(widget, TextArea):
                widget.load_text(text)
            else:
                widget.value = text
        self.persona, self.errors = persona, {}
        self._mark()
        self.call_after_refresh(self._done_loading)

    def _done_loading(self) -> None:
        self._loading = False

    def set_field(self, field: str, value: Any) -> None:
        kind = next(k for f, _, k in FIELDS if f == field)
        widget = self.query_one(f"#{_widget_id(field)}")
        text = _text(value, kind)
        if isinstance(widget, TextArea):
            widget.load_text(text)
        else:
            widget.value = text

    def raw(self) -> dict[str, Any]:
        """The form as Persona input: lists split, JSON parsed (left as text when it is not
        JSON, so the model names the field)."""
        data: dict[str, Any] = {"version": self.version, "think": {}}
        for field, _, kind in FIELDS:
            widget = self.query_one(f"#{_widget_id(field)}")
            text = widget.text if isinstance(widget, TextArea) else widget.value
            value: Any = text
            if kind == "list":
                value = [item.strip() for item in text.split(",") if item.strip()]
            elif kind == "json":
                try:
                    value = json.loads(text) if text.strip() else []
                except json.JSONDecodeError:
                    value = text
            elif field == "json_schema":
                value = text if text.strip() else None
            if field.startswith("think."):
                data["think"][field.split(".")[1]] = value
            else:
                data[field] = value
        return data

    def validate_now(self) -> tuple[Persona | None, dict[str, str]]:
        try:
            persona, errors = Persona.model_validate(self.raw()), {}
        except ValidationError as exc:
            persona, errors = None, {}
            for error in exc.errors():
                loc = [str(p) for p in error["loc"]]
                field = ".".join(loc[:2]) if loc and loc[0] == "think" else (loc[0] if loc else "")
                errors.setdefault(field, error["msg"].removeprefix("Value error, "))
        self.persona, self.errors = persona, errors
        self._mark()
        return persona, errors

    def _mark(self) -> None:
        for field, _, _ in FIELDS:
            self.query_one(f"#{_widget_id(field)}").set_class(field in self.errors, "-invalid")
        text = "\n".join(f"{field}: {message}" for field, message in self.errors.items())
        self.query_one("#form-errors", Static).update(text or "valid")

    def _changed(self) -> None:
        if self._loading:
            return
        persona, errors = self.validate_now()
        self.post_message(self.Changed(persona, errors))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed()

    def field_of(self, widget_id: str | None) -> str | None:
        return next((f for f, _, _ in FIELDS if _widget_id(f) == widget_id), None)


def _text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "list":
        return ", ".join(value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)
