"""`ingle persona`: a thin adapter over the persona lab (core/lab/service.py).

Parse the arguments, call LabService, print what it returns (text, or one JSON document
with --json). Heavy imports stay inside the functions: --help must stay fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingle.core.frontends.commands.common import json_flag, print_json

if TYPE_CHECKING:
    from ingle.core.lab.service import LabService
    from ingle.personas.resolved import ResolvedPersona

FORMATS = ("modelfile", "ollama-json", "claude-agent")


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="persona_command", metavar="ACTION", required=True)
    json_flag(sub.add_parser("list", help="every persona: name, version, models, task kinds, source"))

    show = sub.add_parser("show", help="a persona's settings and rendered system prompt")
    show.add_argument("name", help="NAME, NAME@N or NAME@HASH")
    json_flag(show)

    new = sub.add_parser("new", help="copy a persona into your personas directory to edit it, "
                         "or let the creator propose one (--describe)")
    new.add_argument("name", nargs="?",
                     help="the new persona's name (a built-in's name overrides it)")
    new.add_argument("--describe", metavar="TEXT",
                     help="what the persona is for: the creator proposes it (printed as TOML)")
    new.add_argument("--save", action="store_true", help="with --describe: save the proposal")
    json_flag(new)
    new.add_argument("--from", dest="source", default="my-generalist", metavar="EXISTING",
                     help="the persona to copy (default: my-generalist)")
    new.add_argument("--force", action="store_true", help="replace an existing user file")

    json_flag(sub.add_parser("check", help="validate every persona file and list the problems"))

    export = sub.add_parser("export", help="a persona as a Modelfile, /api/create JSON or "
                            "Claude Code agent file")
    export.add_argument("name", help="NAME, NAME@N or NAME@HASH")
    export.add_argument("--format", choices=FORMATS, default="modelfile",
                        help="modelfile (default), ollama-json, or claude-agent")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")

    register = sub.add_parser("register", help="create the persona as a model in Ollama, "
                              "then read it back and compare")
    register.add_argument("name", help="NAME, NAME@N or NAME@HASH")
    register.add_argument("--endpoint", metavar="E",
                          help="the configured endpoint to create it on (default: the persona's "
                          "pinned endpoint, else the first configured)")
    json_flag(register)

    versions = sub.add_parser("versions", help="a persona's saved versions, oldest first")
    versions.add_argument("name")
    json_flag(versions)

    diff = sub.add_parser("diff", help="what changed between two versions of a persona")
    diff.add_argument("name")
    diff.add_argument("a", metavar="A", help="a version number or hash prefix")
    diff.add_argument("b", metavar="B", help="a version number or hash prefix")
    json_flag(diff)

    recommend = sub.add_parser("recommend", help="which models fit this GPU for a task, "
                               "with the arithmetic")
    recommend.add_argument("--task", required=True, metavar="KIND",
                           help="the task kind: code, frontend, architecture, review, "
                           "classification, translation, writing, summary")
    recommend.add_argument("--context", type=int, default=4096, metavar="TOKENS",
                           help="the context the task needs (default: 4096)")
    recommend.add_argument("--vram", type=float, metavar="GB",
                           help="the GPU memory to plan for, when NVML cannot read it")
    recommend.add_argument("--kv-cache", choices=("f16", "q8_0", "q4_0"), default="f16",
                           help="the KV cache type Ollama runs with (OLLAMA_KV_CACHE_TYPE)")
    json_flag(recommend)

    suggest = sub.add_parser("suggest", help="personas proposed from a repository's languages, "
                             "frameworks and test tools")
    suggest.add_argument("--repo", metavar="PATH", default=argparse.SUPPRESS,
                         help="the repository to look at (default: the current one)")
    suggest.add_argument("--save", metavar="NAME", help="save the suggestion NAME as a persona")
    json_flag(suggest)

    ab = sub.add_parser("ab", help="the same prompt to two persona versions or models, "
                        "answers shown blind; your pick is stored")
    ab.add_argument("a", metavar="A", help="PERSONA[@VERSION][+MODEL], e.g. my-coder@1")
    ab.add_argument("b", metavar="B", help="PERSONA[@VERSION][+MODEL], e.g. my-coder@2")
    ab.add_argument("prompt", help="the prompt both answer")
    ab.add_argument("--tag", help="the prompt's tag for the Elo table (default: A's task kind)")
    ab.add_argument("--seed", type=int, help="fix the blind order (for scripts)")
    json_flag(ab)

    elo = sub.add_parser("elo", help="per-tag Elo ratings from your stored A/B picks")
    elo.add_argument("--tag", help="only this tag")
    json_flag(elo)

    restore = sub.add_parser("restore", help="make an old version current (as a new version)")
    restore.add_argument("name")
    restore.add_argument("version", metavar="VERSION", help="a version number or hash prefix")
    json_flag(restore)

    from ingle.core.frontends.commands.eval import configure_refine

    json_flag(configure_refine(sub))


def run(args: argparse.Namespace) -> int:
    import asyncio

    from ingle.core.backends.errors import BackendError
    from ingle.core.errors import IngleError
    from ingle.core.frontends.commands.common import CommandFailed, load_for
    from ingle.core.lab.service import LabService
    from ingle.core.workbench import Workbench

    loaded = load_for(args)
    workbench = Workbench.from_loaded(loaded)
    try:
        service = LabService(workbench)
        action = args.persona_command
        if action not in ("list", "check") and service.registry.problems:
            _note_problems(service)
        return _ACTIONS[action](service, args)
    except BackendError:
        raise  # cli.py gives these their own exit status (3: unreachable)
    except IngleError as exc:
        reason = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
        raise CommandFailed(reason, exc.exit_status) from exc
    finally:
        asyncio.run(workbench.aclose())


def _note_problems(service: LabService) -> None:
    files = {p.path for p in service.registry.problems}
    print(f"note: {len(files)} persona or example file(s) have problems and were skipped; "
          "run `ingle persona check`", file=sys.stderr)


def _source_text(source: str, overrides: object) -> str:
    if source == "builtin":
        return "built-in"
    return "user (overrides built-in)" if overrides else "user"


def _list(service: LabService, args: argparse.Namespace) -> int:
    rows = service.summaries()
    if args.json:
        return print_json({"personas": [r.model_dump(mode="json") for r in rows]})
    table = [(r.name, r.models[0], ", ".join(r.task_kinds), _source_text(r.source, r.overrides))
             for r in rows]
    header = ("NAME", "MODEL", "TASK KINDS", "SOURCE")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(3)]
    for row in [header, *table]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
    _default_here(service)
    if service.registry.problems:
        _note_problems(service)
    return 0


def _default_here(service: LabService) -> None:
    from ingle.personas.languages import choose_default_persona, repository_files

    loaded = service.workbench.loaded
    if loaded.repo is None:
        return
    choice = choose_default_persona(repository_files(loaded.repo), service.registry.names(),
                                    configured=loaded.settings.persona)
    if choice.reason == "config":
        reason = "set by `persona` in config"
    else:
        top = ", ".join(f"{lang} {count}" for lang, count in list(choice.languages.items())[:3])
        reason = f"from the repository's languages: {top}" if top else "no source files found"
    print(f"\ndefault here: {choice.name} ({reason})")
    for name in choice.ignored:
        print(f"note: persona '{name}' set in config is unknown; ignored", file=sys.stderr)


def _show(service: LabService, args: argparse.Namespace) -> int:
    resolved = service.resolve(args.name)
    persona = resolved.persona
    num_ctx = service.num_ctx(resolved)
    if args.json:
        return print_json({
            "persona": persona.model_dump(mode="json"),
            "version": resolved.version_number,
            "content_hash": persona.content_hash(),
            "models": persona.models(),
            "source": resolved.source,
            "path": str(resolved.path),
            "overrides": str(resolved.overrides) if resolved.overrides else None,
            "num_ctx": num_ctx,
            "system_prompt": resolved.system_prompt(),
            "examples": [{"ref": e.ref, "path": str(e.path), "input": e.input, "output": e.output}
                         for e in resolved.examples],
        })
    think = persona.think
    fields = [
        ("source", f"{_source_text(resolved.source, resolved.overrides)}: {resolved.path}"),
        ("model", f"{persona.base_model} (num_ctx {num_ctx}; needs at least {persona.min_context})"),
        ("candidates", ", ".join(persona.candidate_models) or "none"),
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
    print(f"{persona.name} v{resolved.version_number or persona.version}: {persona.description}")
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        print(f"  {key:<{width}}  {value}")
    warning = service.context_warning(resolved)
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
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


def _new(service: LabService, args: argparse.Namespace) -> int:
    from ingle.core.errors import UsageError

    if args.describe is not None:
        from ingle.core.frontends.commands.persona_lab import describe

        return describe(service, args)
    if not args.name:
        raise UsageError("a name is needed", "ingle persona new NAME [--from EXISTING], or "
                         'ingle persona new --describe "what it is for"')
    result = service.new_copy(args.name, args.source, force=args.force)
    print(f"created {result.path} (a copy of {result.source})")
    if result.overrides_builtin:
        print(f"it overrides the built-in {args.name}")
    print("edit it, then run `ingle persona check`")
    return 0


def _check(service: LabService, args: argparse.Namespace) -> int:
    report = service.check()
    if args.json:
        print_json(report.model_dump(mode="json") | {"ok": report.ok})
        return 0 if report.ok else 1
    for line in report.warnings:
        print(f"warning: {line}")
    for line in report.problems:
        print(line)
    if report.problems:
        print(f"{len(report.problems)} problem(s); {report.usable} persona(s) usable")
        return 1
    print(f"all {report.usable} personas are valid")
    return 0


def _export(service: LabService, args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.common import CommandFailed

    result = service.export(args.name, args.format)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(result.text)
        return 0
    target = Path(args.output).expanduser()
    if not target.parent.is_dir():
        raise CommandFailed(f"-o {args.output}: directory {target.parent} does not exist", 2)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(result.text, encoding="utf-8")
    partial.replace(target)
    hint = {
        "modelfile": f"create the model with: ollama create {result.name} -f {target}",
        "ollama-json": "POST it to Ollama's /api/create (or run `ingle persona register`)",
        "claude-agent": f"Claude Code reads agents from {result.suggested_path}",
    }[result.format]
    print(f"wrote {target}; {hint}", file=sys.stderr)
    return 0


def _register(service: LabService, args: argparse.Namespace) -> int:
    import asyncio

    last = [""]

    def progress(event: Any) -> None:
        if event.line != last[0]:
            print(event.line, file=sys.stderr)
            last[0] = event.line

    report = asyncio.run(service.register(args.name, args.endpoint, on_progress=progress))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print_json(report.model_dump(mode="json"))
        return 0 if report.verified else 1
    print(f"registered {report.model} on endpoint '{report.endpoint}' (from {report.from_model}, "
          f"num_ctx {report.num_ctx}); any Ollama client can now use the model {report.model}")
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.verified:
        print("verified: /api/show reports the system prompt and every parameter as sent")
        return 0
    for item in report.mismatches:
        print(f"MISMATCH {item.field}: sent {json.dumps(item.sent)}, the server reports "
              f"{json.dumps(item.read_back)}")
    print(f"the server did not keep {len(report.mismatches)} field(s) it was sent; "
          "do not trust this model's settings", file=sys.stderr)
    return 1


def _versions(service: LabService, args: argparse.Namespace) -> int:
    rows = service.versions(args.name)
    if args.json:
        return print_json({"name": args.name, "versions": [
            r.model_dump(mode="json", exclude={"toml"}) for r in rows]})
    for row in rows:
        print(f"{row.label:<24} {row.short_hash}  {row.author:<9} {row.changelog}")
    return 0


def _diff(service: LabService, args: argparse.Namespace) -> int:
    text = service.diff(args.name, args.a, args.b)
    if args.json:
        return print_json({"name": args.name, "a": args.a, "b": args.b, "same": not text,
                            "diff": text})
    sys.stdout.write(text or "the two versions hold the same content\n")
    return 0


def _restore(service: LabService, args: argparse.Namespace) -> int:
    version = service.restore(args.name, args.version)
    if args.json:
        return print_json(version.model_dump(mode="json", exclude={"toml"}))
    print(f"restored: {version.label} ({version.short_hash}) {version.changelog}")
    return 0


def _lab(name: str):
    def action(service: LabService, args: argparse.Namespace) -> int:
        from ingle.core.frontends.commands import persona_lab

        return getattr(persona_lab, name)(service, args)

    return action


def _refine(workbench: Any, args: argparse.Namespace) -> int:
    from ingle.core.frontends.commands.eval import run_refine

    return run_refine(workbench, args)


_ACTIONS = {
    "list": _list, "show": _show, "new": _new, "check": _check, "export": _export,
    "register": _register, "recommend": _lab("recommend"), "suggest": _lab("suggest"),
    "ab": _lab("ab"), "elo": _lab("elo"), "versions": _versions, "diff": _diff, "restore": _restore,
    "refine": lambda service, args: _refine(service.workbench, args),
}
