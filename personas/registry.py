"""Every persona Ingle knows: the built-in set plus the user's own files.

Built-ins ship in `personas/builtin/`; the user's personas live in the user
personas directory (`$XDG_CONFIG_HOME/ingle/personas/`, passed in by the
caller) and a user file with a built-in's name replaces it. A broken file is
recorded as a problem and skipped (a broken user override leaves the built-in
in place): loading never fails as a whole.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Protocol

import jsonschema
from pydantic import BaseModel, Field, PrivateAttr

from ingle.personas.examples import (
    BUILTIN_EXAMPLES_DIR,
    Example,
    ExampleLibrary,
    load_example_library,
)
from ingle.personas.model import Persona
from ingle.personas.problems import FileProblem, FileRejected
from ingle.personas.resolved import PersonaSource, ResolvedPersona
from ingle.personas.toml_io import load_persona_file, persona_from_toml, persona_to_toml

VERSION_SEPARATOR = "@"

BUILTIN_DIR = Path(__file__).parent / "builtin"
USER_EXAMPLES_SUBDIR = "examples"


class UnknownPersona(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        super().__init__(f"no persona named '{name}'; {hint}`ingle persona list` shows them all")
        self.name = name


class UnknownVersion(UnknownPersona):
    def __init__(self, name: str, ref: str, reason: str = "") -> None:
        LookupError.__init__(
            self,
            f"persona '{name}' has no version '{ref}'{reason}; "
            f"`ingle persona versions {name}` lists them",
        )
        self.name = name


class VersionHistory(Protocol):
    """Where persona versions are kept (the state store; see core/lab/versions.py)."""

    def current(self, name: str, content_hash: str, toml: str) -> int:
        """The number of the version holding this content, recorded now if it is new."""
        ...

    def pinned(self, name: str, ref: str) -> tuple[int, str] | None:
        """(number, TOML text) of version `ref` (a number or a hash prefix), or None."""
        ...


class PersonaRegistry(BaseModel):
    personas: dict[str, ResolvedPersona] = Field(default_factory=dict)
    library: ExampleLibrary = Field(default_factory=ExampleLibrary)
    problems: list[FileProblem] = Field(default_factory=list)
    user_dir: Path | None = None

    def names(self) -> list[str]:
        return sorted(self.personas)

    _history: VersionHistory | None = PrivateAttr(default=None)
    # Versions are immutable, so a pinned lookup is read from the store once.
    _pinned_cache: dict[str, ResolvedPersona] = PrivateAttr(default_factory=dict)

    def get(self, name: str) -> ResolvedPersona:
        """A persona by name, or one version of it: `name@3` or `name@HASHPREFIX`."""
        if VERSION_SEPARATOR in name:
            cached = self._pinned_cache.get(name)
            if cached is None:
                base, _, ref = name.partition(VERSION_SEPARATOR)
                cached = self._pinned_cache[name] = self._pinned(base, ref)
            return cached
        found = self.personas.get(name)
        if found is None:
            raise UnknownPersona(name, self.names())
        return found

    @property
    def tracks_versions(self) -> bool:
        return self._history is not None

    def track_versions(self, history: VersionHistory) -> None:
        """Number every loaded persona from `history`; content not seen before (a file
        edited by hand, a new file) becomes a new version there."""
        self._history = history
        for name, resolved in list(self.personas.items()):
            persona = resolved.persona
            number = history.current(name, persona.content_hash(), persona_to_toml(persona))
            self.personas[name] = resolved.model_copy(update={"version_number": number})

    def _pinned(self, name: str, ref: str) -> ResolvedPersona:
        current = self.get(name)
        if self._history is None:
            raise UnknownVersion(name, ref, " (versions are read from the state store, "
                                 "which this command did not open)")
        found = self._history.pinned(name, ref)
        if found is None:
            raise UnknownVersion(name, ref)
        number, text = found
        if number == current.version_number:
            return current
        persona = persona_from_toml(text).model_copy(update={"version": number})
        try:
            examples = resolve_examples(persona, current.path, self.library)
        except FileRejected as exc:
            raise UnknownVersion(
                name, ref, f" usable today ({exc.problems[0].message})"
            ) from exc
        return current.model_copy(
            update={"persona": persona, "examples": examples, "version_number": number}
        )

    def __contains__(self, name: object) -> bool:
        return name in self.personas


def load_registry(
    user_dir: Path | None,
    *,
    builtin_dir: Path = BUILTIN_DIR,
    builtin_examples: Path = BUILTIN_EXAMPLES_DIR,
) -> PersonaRegistry:
    roots = [builtin_examples] + ([user_dir / USER_EXAMPLES_SUBDIR] if user_dir else [])
    library = load_example_library(roots)
    registry = PersonaRegistry(library=library, problems=list(library.problems), user_dir=user_dir)
    for source, directory in (("builtin", builtin_dir), ("user", user_dir)):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                resolved = resolve_persona_file(path, source, library)  # type: ignore[arg-type]
            except FileRejected as exc:
                registry.problems.extend(exc.problems)
                continue
            replaced = registry.personas.get(resolved.name)
            if replaced is not None and replaced.source == "builtin" and source == "user":
                resolved = resolved.model_copy(update={"overrides": replaced.path})
            registry.personas[resolved.name] = resolved
    return registry


def resolve_persona_file(
    path: Path, source: PersonaSource, library: ExampleLibrary
) -> ResolvedPersona:
    persona = load_persona_file(path)
    examples = resolve_examples(persona, path, library)
    return ResolvedPersona(persona=persona, examples=examples, source=source, path=path)


def resolve_examples(persona: Persona, path: Path, library: ExampleLibrary) -> list[Example]:
    """The persona's examples from the library; for a schema-bound persona each output
    must itself follow the schema, or the example would teach the wrong shape."""
    problems: list[FileProblem] = []
    found: list[Example] = []
    for index, ref in enumerate(persona.examples):
        field = f"examples[{index}]"
        example = library.get(ref)
        if example is None:
            kind, _, name = ref.partition("/")
            problems.append(
                FileProblem(
                    path=path,
                    field=field,
                    message=f"no usable example '{ref}' in the library (looked for "
                    f"{kind}/{name}.toml in personas/examples/ and in the user's "
                    f"personas/{USER_EXAMPLES_SUBDIR}/)",
                )
            )
            continue
        if persona.json_schema is not None:
            error = _schema_mismatch(example.output, persona.json_schema)
            if error:
                problems.append(
                    FileProblem(
                        path=path,
                        field=field,
                        message=f"'{ref}' output does not follow this persona's json_schema: {error}",
                    )
                )
                continue
        found.append(example)
    if problems:
        raise FileRejected(problems)
    return found


def _schema_mismatch(text: str, schema: dict) -> str | None:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg} at line {exc.lineno})"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        return f"at {where}: {exc.message}"
    return None
