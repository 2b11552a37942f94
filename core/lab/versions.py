"""Versioned personas: the one resolver of `persona@N` / `persona@HASH`, and saving,
restoring and comparing versions.

The user's TOML file is the readable source of a persona's current version; every
saved change is also an immutable row in the store (memory/persona_versions.py).
Everything that accepts a persona name (chat, batch, `ingle ask`, MCP, evals) resolves
it through `resolve_persona`, so a pinned version works everywhere. The evaluator's
refine loop saves what it learns with `save_version`.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from ingle.core.errors import NotFound, UsageError
from ingle.memory.persona_versions import (
    PersonaVersion,
    StoreVersionHistory,
    add_version,
    find_version,
    latest_version,
    versions_of,
)
from ingle.memory.store import Store
from ingle.personas.model import Persona
from ingle.personas.registry import PersonaRegistry, UnknownPersona, resolve_examples
from ingle.personas.resolved import ResolvedPersona
from ingle.personas.toml_io import persona_from_toml, persona_to_toml, save_persona

AUTHORS = ("user", "creator", "evaluator", "restore")


def track_versions(registry: PersonaRegistry, store: Store) -> PersonaRegistry:
    """Number the registry's personas from the store (a file edited by hand becomes a
    new version) and let `registry.get` resolve `name@N`. Idempotent."""
    if not registry.tracks_versions:
        registry.track_versions(StoreVersionHistory(store))
    return registry


def resolve_persona(registry: PersonaRegistry, store: Store, ref: str) -> ResolvedPersona:
    """`name`, `name@N` or `name@HASHPREFIX` as a ResolvedPersona.
    Raises UnknownPersona (a LookupError naming the known personas or versions)."""
    return track_versions(registry, store).get(ref)


def save_version(
    store: Store,
    registry: PersonaRegistry,
    persona: Persona,
    changelog: str,
    author: str = "user",
) -> PersonaVersion:
    """Make `persona` the current version: the user's TOML file is rewritten (its
    `version` is the new number) and an immutable row is added. Saving content equal to
    the current version adds no row and returns that version."""
    if registry.user_dir is None:
        raise UsageError("there is no user personas directory to save into",
                         "set INGLE_HOME or XDG_CONFIG_HOME")
    if not changelog.strip():
        raise UsageError("a version needs a changelog line", "say what changed and why")
    track_versions(registry, store)
    content_hash = persona.content_hash()
    latest = latest_version(store, persona.name)
    unchanged = latest is not None and latest.content_hash == content_hash
    number = latest.number if unchanged and latest else (latest.number + 1 if latest else 1)
    numbered = persona.model_copy(update={"version": number})
    examples = resolve_examples(numbered, registry.user_dir / f"{persona.name}.toml",
                                registry.library)
    # The file first: if recording failed, the next load records the file as a version.
    path = save_persona(numbered, registry.user_dir)
    if unchanged and latest is not None:
        version = latest  # same content (a copy of a built-in into the user's directory)
    else:
        version = add_version(store, persona.name, content_hash, persona_to_toml(numbered),
                              changelog=changelog.strip(), author=author)
    previous = registry.personas.get(persona.name)
    overrides = None
    if previous is not None:
        overrides = previous.overrides or (previous.path if previous.source == "builtin" else None)
    registry.personas[persona.name] = ResolvedPersona(
        persona=numbered, examples=examples, source="user", path=path,
        overrides=overrides, version_number=version.number,
    )
    return version


def list_versions(store: Store, registry: PersonaRegistry, name: str) -> list[PersonaVersion]:
    track_versions(registry, store)
    _require(registry, name)
    return versions_of(store, name)


def get_version(store: Store, registry: PersonaRegistry, name: str, ref: str) -> PersonaVersion:
    track_versions(registry, store)
    _require(registry, name)
    found = find_version(store, name, ref.removeprefix("v"))
    if found is None:
        raise NotFound(f"persona '{name}' has no version '{ref}'",
                       f"`ingle persona versions {name}` lists them (a number or a hash prefix)")
    return found


def diff_versions(store: Store, registry: PersonaRegistry, name: str, a: str, b: str) -> str:
    """A unified diff of two versions' TOML text ('' when they hold the same content)."""
    old, new = get_version(store, registry, name, a), get_version(store, registry, name, b)
    return "".join(difflib.unified_diff(
        old.toml.splitlines(keepends=True), new.toml.splitlines(keepends=True),
        fromfile=f"{old.label} ({old.short_hash})", tofile=f"{new.label} ({new.short_hash})",
    ))


def restore_version(store: Store, registry: PersonaRegistry, name: str, ref: str) -> PersonaVersion:
    """A new version holding an old version's content (history is never rewritten)."""
    old = get_version(store, registry, name, ref)
    return save_version(store, registry, persona_from_toml(old.toml),
                        f"restored version {old.number}", author="restore")


def _require(registry: PersonaRegistry, name: str) -> ResolvedPersona:
    try:
        return registry.get(name)
    except UnknownPersona as exc:
        raise NotFound(str(exc)) from exc


def user_file(registry: PersonaRegistry, name: str) -> Path | None:
    return registry.user_dir / f"{name}.toml" if registry.user_dir else None
