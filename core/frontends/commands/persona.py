"""`ingle persona`: list, show, create, check, export and register personas.

Personas live in personas/ (built-in) and in the user's config dir; this module
only wires them to settings (num_ctx per model, the default persona) and to the
terminal. Heavy imports stay inside the functions: --help must stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingle.core.config.loader import LoadedConfig
    from ingle.personas.languages import PersonaChoice
    from ingle.personas.registry import PersonaRegistry
    from ingle.personas.resolved import ResolvedPersona


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="persona_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="every persona: name, model, task kinds, source")

    show = sub.add_parser("show", help="a persona's settings and rendered system prompt")
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print as JSON")

    new = sub.add_parser("new", help="copy a persona into your personas directory to edit it")
    new.add_argument("name", help="the new persona's name (a built-in's name overrides it)")
    new.add_argument(
        "--from",
        dest="source",
        default="my-generalist",
        metavar="EXISTING",
        help="the persona to copy (default: my-generalist)",
    )
    new.add_argument("--force", action="store_true", help="replace an existing user file")

    sub.add_parser("check", help="validate every persona file and list the problems")

    export = sub.add_parser("export", help="print an Ollama Modelfile for a persona")
    export.add_argument("name")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")

    register = sub.add_parser("register", help="create the persona as a model in Ollama")
    register.add_argument("name")
    register.add_argument(
        "--endpoint",
        metavar="E",
        help="the configured endpoint to create it on (default: the persona's "
        "pinned endpoint, else the first configured)",
    )


def run(args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.common import load_for

    loaded = load_for(args)
    registry = _registry(loaded)
    action = args.persona_command
    if action == "check":
        return _check(registry, loaded)
    if action != "list" and registry.problems:
        _note_problems(registry)
    if action == "list":
        return _list(registry, loaded)
    if action == "show":
        return _show(_get(registry, args.name), loaded, as_json=args.json)
    if action == "new":
        return _new(registry, loaded, args.name, args.source, force=args.force)
    if action == "export":
        return _export(_get(registry, args.name), loaded, args.output)
    if action == "register":
        return _register(_get(registry, args.name), loaded, args.endpoint)
    raise AssertionError(f"unhandled persona action {action}")


def _registry(loaded: LoadedConfig) -> PersonaRegistry:
    from ingle.personas.registry import load_registry

    return load_registry(loaded.dirs.user_personas)


def _get(registry: PersonaRegistry, name: str) -> ResolvedPersona:
    from ingle.core.frontends.commands.common import CommandFailed
    from ingle.personas.registry import UnknownPersona

    try:
        return registry.get(name)
    except UnknownPersona as exc:
        raise CommandFailed(str(exc), 2) from exc


def _note_problems(registry: PersonaRegistry) -> None:
    files = {p.path for p in registry.problems}
    print(
        f"note: {len(files)} persona or example file(s) have problems and were skipped; "
        "run `ingle persona check`",
        file=sys.stderr,
    )


def _source_text(resolved: ResolvedPersona) -> str:
    if resolved.source == "builtin":
        return "built-in"
    return "user (overrides built-in)" if resolved.overrides else "user"


def _list(registry: PersonaRegistry, loaded: LoadedConfig) -> int:
    from ingle.personas.languages import choose_default_persona, repository_files

    rows = [
        (r.name, r.persona.base_model, ", ".join(r.persona.task_kinds), _source_text(r))
        for r in (registry.get(n) for n in registry.names())
    ]
    header = ("NAME", "MODEL", "TASK KINDS", "SOURCE")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    if loaded.repo is not None:
        choice = choose_default_persona(
            repository_files(loaded.repo), registry.names(), configured=loaded.settings.persona
        )
        print()
        print(f"default here: {choice.name} ({_choice_reason(choice)})")
        for name in choice.ignored:
            print(f"note: persona '{name}' set in config is unknown; ignored", file=sys.stderr)
    if registry.problems:
        _note_problems(registry)
    return 0


def _choice_reason(choice: PersonaChoice) -> str:
    if choice.reason == "config":
        return "set by `persona` in config"
    top = ", ".join(f"{lang} {count}" for lang, count in list(choice.languages.items())[:3])
    return f"from the repository's languages: {top}" if top else "no source files found"


def _show(resolved: ResolvedPersona, loaded: LoadedConfig, *, as_json: bool) -> int:
    persona = resolved.persona
    num_ctx = loaded.settings.num_ctx_for(persona.model_ref.model)
    if as_json:
        data = {
            "persona": persona.model_dump(mode="json"),
            "source": resolved.source,
            "path": str(resolved.path),
            "overrides": str(resolved.overrides) if resolved.overrides else None,
            "num_ctx": num_ctx,
            "system_prompt": resolved.system_prompt(),
            "examples": [
                {"ref": e.ref, "path": str(e.path), "input": e.input, "output": e.output}
                for e in resolved.examples
            ],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    think = persona.think
    fields = [
        ("source", f"{_source_text(resolved)}: {resolved.path}"),
        (
            "model",
            f"{persona.base_model} (num_ctx {num_ctx}; needs at least {persona.min_context})",
        ),
        ("fallbacks", ", ".join(persona.fallback_models) or "none"),
        ("task kinds", ", ".join(persona.task_kinds)),
        ("sampling", f"temperature {persona.temperature}, top_p {persona.top_p}"),
        ("stop", ", ".join(json.dumps(s, ensure_ascii=False) for s in persona.stop) or "none"),
        ("thinking", f"{think.first}; {think.retry} when retrying after a failure"),
        ("json schema", _schema_text(persona.json_schema)),
        ("examples", ", ".join(e.ref for e in resolved.examples) or "none"),
        ("tags", ", ".join(persona.tags) or "none"),
        ("prompt size", f"about {_prompt_tokens(resolved)} tokens before the user's text"),
    ]
    print(f"{persona.name} v{persona.version}: {persona.description}")
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        print(f"  {key:<{width}}  {value}")
    if num_ctx < persona.min_context:
        print(
            f"warning: {_context_shortfall(persona.base_model, num_ctx, persona.min_context)}",
            file=sys.stderr,
        )
    print("\n--- system prompt ---")
    print(resolved.system_prompt())
    return 0


def _schema_text(schema: dict | None) -> str:
    if schema is None:
        return "none (free text)"
    keys = list(schema.get("properties", {}))
    return f"yes, every reply is JSON ({', '.join(keys)})" if keys else "yes, every reply is JSON"


def _prompt_tokens(resolved: ResolvedPersona) -> int:
    # The same 4-characters-a-token prior the prompt builder starts from.
    text = resolved.system_prompt() + "".join(e.input + e.output for e in resolved.examples)
    return (len(text) + 3) // 4


def _context_shortfall(model: str, num_ctx: int, needed: int) -> str:
    return (
        f"{model} runs with num_ctx {num_ctx} but this persona needs at least {needed}; "
        f'raise it with `[models."{model}"] num_ctx = {needed}` in config.toml, '
        "or pick a base model with a larger context"
    )


def _new(
    registry: PersonaRegistry, loaded: LoadedConfig, name: str, source: str, *, force: bool
) -> int:
    from pydantic import ValidationError

    from ingle.core.frontends.commands.common import CommandFailed
    from ingle.personas.model import Persona
    from ingle.personas.toml_io import save_persona

    original = _get(registry, source)
    try:
        copy = Persona.model_validate({**original.persona.model_dump(), "name": name, "version": 1})
    except ValidationError as exc:
        raise CommandFailed(
            f"'{name}' cannot be a persona name: {exc.errors()[0]['msg']}", 2
        ) from exc
    directory = loaded.dirs.user_personas
    target = directory / f"{name}.toml"
    if target.exists() and not force:
        raise CommandFailed(f"{target} already exists; edit it, or pass --force to replace it", 1)
    path = save_persona(copy, directory)
    print(f"created {path} (a copy of {source})")
    if name in registry and registry.get(name).source == "builtin":
        print(f"it overrides the built-in {name}")
    print("edit it, then run `ingle persona check`")
    return 0


def _check(registry: PersonaRegistry, loaded: LoadedConfig) -> int:
    from ingle.personas.modelfile import ModelfileNotRepresentable, export_modelfile

    problems = [str(p) for p in registry.problems]
    warnings: list[str] = []
    settings = loaded.settings
    for name in registry.names():
        resolved = registry.get(name)
        persona = resolved.persona
        num_ctx = settings.num_ctx_for(persona.model_ref.model)
        if num_ctx < persona.min_context:
            problems.append(
                f"{resolved.path}: min_context: "
                f"{_context_shortfall(persona.model_ref.model, num_ctx, persona.min_context)}"
            )
        endpoint = persona.model_ref.endpoint
        if endpoint and endpoint not in settings.endpoints:
            problems.append(
                f"{resolved.path}: base_model: endpoint '{endpoint}' is not configured "
                f"(configured: {', '.join(settings.endpoints) or 'none'})"
            )
        try:
            export_modelfile(resolved, num_ctx)
        except ModelfileNotRepresentable as exc:
            warnings.append(f"{resolved.path}: `ingle persona export` will refuse it: {exc}")
    if settings.persona and settings.persona not in registry:
        problems.append(
            f"config: persona: '{settings.persona}' is not a known persona "
            f"({loaded.source_of('persona')})"
        )
    for line in warnings:
        print(f"warning: {line}")
    for line in problems:
        print(line)
    count = len(registry.names())
    if problems:
        print(f"{len(problems)} problem(s); {count} persona(s) usable")
        return 1
    print(f"all {count} personas are valid")
    return 0


def _export(resolved: ResolvedPersona, loaded: LoadedConfig, output: str | None) -> int:
    from ingle.core.frontends.commands.common import CommandFailed
    from ingle.personas.modelfile import ModelfileNotRepresentable, export_modelfile

    persona = resolved.persona
    num_ctx = loaded.settings.num_ctx_for(persona.model_ref.model)
    if num_ctx < persona.min_context:
        print(
            f"warning: {_context_shortfall(persona.model_ref.model, num_ctx, persona.min_context)}",
            file=sys.stderr,
        )
    try:
        text = export_modelfile(resolved, num_ctx)
    except ModelfileNotRepresentable as exc:
        raise CommandFailed(str(exc), 1) from exc
    if output is None:
        sys.stdout.write(text)
        return 0
    target = Path(output).expanduser()
    if not target.parent.is_dir():
        raise CommandFailed(f"-o {output}: directory {target.parent} does not exist", 2)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(target)
    print(
        f"wrote {target}; create the model with: ollama create {persona.name} -f {target}",
        file=sys.stderr,
    )
    return 0


def _register(resolved: ResolvedPersona, loaded: LoadedConfig, endpoint: str | None) -> int:
    import asyncio

    from ingle.core.backends.registry import default_endpoint, open_ollama
    from ingle.personas.create_body import build_create_body

    persona = resolved.persona
    settings = loaded.settings
    target = endpoint or persona.model_ref.endpoint or default_endpoint(settings)
    num_ctx = settings.num_ctx_for(persona.model_ref.model)
    if num_ctx < persona.min_context:
        print(
            f"warning: {_context_shortfall(persona.model_ref.model, num_ctx, persona.min_context)}",
            file=sys.stderr,
        )
    body = build_create_body(resolved, num_ctx).to_json()

    async def create() -> None:
        backend = open_ollama(settings, target)
        try:
            last = ""
            async for event in backend.create_model(body):
                line = event.status
                if event.fraction is not None:
                    line = f"{event.status} {event.fraction:.0%}"
                if line != last:
                    print(line, file=sys.stderr)
                    last = line
        finally:
            await backend.aclose()

    asyncio.run(create())
    print(
        f"registered {persona.name} on endpoint '{target}' (from {body['from']}, num_ctx {num_ctx}); "
        f"any Ollama client can now use the model {persona.name}"
    )
    think = persona.think.setting()
    note = f"clients should still send think={str(think).lower() if isinstance(think, bool) else think}"
    if persona.json_schema is not None:
        note += " and the persona's JSON schema as format"
    print(f"note: {note}: a model cannot store them", file=sys.stderr)
    return 0
