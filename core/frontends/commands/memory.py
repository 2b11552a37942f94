"""`ingle memory`: a persona's memories (ls, add, search, forget, restore, history, export,
pin, unpin, edit, consolidate) and the corrections log (corrections).

Thin: parse, call MemoryService, print. Every action takes --json (one JSON document on
stdout); bad input exits 2 with a one-line reason.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingle.core.frontends.commands.common import CommandFailed, load_for

if TYPE_CHECKING:
    from ingle.core.memories.service import MemoryService
    from ingle.core.workbench import Workbench


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="memory_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--persona", metavar="P", help="whose memories (default: the persona "
                       "this repository uses)")
        p.add_argument("--json", action="store_true", help="print one JSON document")
        p.add_argument("--repo", metavar="PATH", default=argparse.SUPPRESS,
                       help="the repository whose persona and project memories are meant")
        return p

    ls = action("ls", "list the persona's memories (pinned first, newest first)")
    ls.add_argument("--all", action="store_true", help="also superseded and forgotten ones")
    add = action("add", "remember TEXT, or one memory per line of --from-file FILE")
    add.add_argument("text", nargs="?", help="the memory")
    add.add_argument("--from-file", metavar="FILE", help="one memory per line; '-' reads stdin")
    add.add_argument("--kind", default="fact",
                     choices=("fact", "preference", "procedure", "correction", "summary"))
    add.add_argument("--pin", action="store_true", help="put it in the core block (always shown)")
    add.add_argument("--project", action="store_true",
                     help="about this repository only (shown only in turns here)")
    search = action("search", "the memories that best match QUERY (BM25)")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=10, metavar="N", help="at most N (default 10)")
    search.add_argument("--all", action="store_true", help="also superseded and forgotten ones")
    for name, help_text in (("forget", "archive memory ID (restore ID undoes it)"),
                            ("restore", "make forgotten or superseded memory ID active again"),
                            ("pin", "put memory ID in the persona's core block"),
                            ("unpin", "take memory ID out of the core block")):
        action(name, help_text).add_argument("id", help="the memory's id (ls shows it)")
    edit = action("edit", "replace memory ID's text (the old text stays in history)")
    edit.add_argument("id")
    edit.add_argument("text")
    history = action("history", "every change to the persona's memories, or to memory ID")
    history.add_argument("id", nargs="?")
    history.add_argument("--limit", type=int, default=50, metavar="N")
    export = action("export", "the persona's memories as Markdown (CLAUDE.md style)")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    consolidate = action("consolidate", "merge near-duplicate memories (one model call) and "
                         "archive memories never used in --days days")
    consolidate.add_argument("--days", type=int, default=None, metavar="N",
                             help="archive never-used memories older than N days (default 90)")
    corrections = action("corrections", "the corrections log of a domain, and the rules "
                         "consistent corrections suggest")
    corrections.add_argument("--domain", default=None, help="e.g. expenses, chat, commit")


def run(args: argparse.Namespace) -> int:
    from ingle.core.errors import IngleError

    loaded = load_for(args)
    from ingle.core.workbench import Workbench

    workbench = Workbench.from_loaded(loaded)
    try:
        return _dispatch(args, workbench)
    except IngleError as exc:
        raise CommandFailed(str(exc).replace("\n  -> ", "; "), exc.exit_status) from exc
    finally:
        workbench.store.close()  # model clients are closed by the loop that opened them


def _dispatch(args: argparse.Namespace, workbench: Workbench) -> int:
    from ingle.core.memories.service import MemoryService

    service = MemoryService(workbench)
    persona = _persona(args, workbench)
    handler = {
        "ls": _ls, "add": _add, "search": _search, "forget": _status, "restore": _status,
        "pin": _status, "unpin": _status, "edit": _edit, "history": _history,
        "export": _export, "consolidate": _consolidate, "corrections": _corrections,
    }[args.memory_command]
    return handler(args, service, persona)


def _persona(args: argparse.Namespace, workbench: Workbench) -> str:
    if args.persona:
        if args.persona not in workbench.personas:
            raise CommandFailed(f"no persona named '{args.persona}'; known: "
                                f"{', '.join(workbench.personas.names())}", 2)
        return str(args.persona)
    from ingle.personas.languages import choose_default_persona, repository_files

    repo = workbench.loaded.repo
    files = repository_files(repo) if repo is not None else []
    return choose_default_persona(files, workbench.personas.names(),
                                  configured=workbench.settings.persona).name


def _id(text: str) -> int:
    try:
        return int(text.lstrip("#"))
    except ValueError:
        raise CommandFailed(f"{text!r} is not a memory id (a number, as `ingle memory ls` shows)",
                            2) from None


def _dump(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _line(m: Any) -> str:
    flags = ("*" if m.pinned else " ") + ("" if m.status == "active" else f" ({m.status}"
             + (f" by #{m.superseded_by}" if m.superseded_by else "") + ")")
    return f"#{m.id:<5}{flags} [{m.kind}] {m.text}"


def _ls(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    memories = service.list(persona, include_all=args.all)
    if args.json:
        _dump({"persona": persona, "memories": [m.model_dump() for m in memories],
               "core": service.core_block(persona).fill})
        return 0
    if not memories:
        print(f"{persona} remembers nothing yet (`ingle memory add TEXT` adds a memory)")
        return 0
    print(f"{persona}: {len(memories)} memories, core block {service.core_block(persona).fill}"
          " (* pinned)")
    for m in memories:
        print(_line(m))
    return 0


def _add(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    if (args.text is None) == (args.from_file is None):
        raise CommandFailed("give the memory as TEXT or --from-file FILE (one of them)", 2)
    if args.from_file is not None:
        texts = _read_lines(args.from_file)
    else:
        texts = [args.text]
    repo = str(service.workbench.loaded.repo or "") if args.project else ""
    if args.project and not repo:
        raise CommandFailed("--project needs a repository (run it inside one, or pass --repo)", 2)
    results = [service.add(persona, t, kind=args.kind, pinned=args.pin, repo=repo) for t in texts]
    if args.json:
        _dump({"persona": persona,
               "added": [r.memory.model_dump() for r in results if r.created],
               "existing": [r.memory.model_dump() for r in results if not r.created],
               "archived": [i for r in results for i in r.archived]})
        return 0
    for r in results:
        verb = "remembered" if r.created else "already remembered as"
        print(f"{verb} #{r.memory.id}: {r.memory.text}")
        for archived in r.archived:
            print(f"  archived #{archived} to stay within {service.limits.max_count} memories")
    return 0


def _read_lines(name: str) -> list[str]:
    if name == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandFailed(f"--from-file {name}: cannot read it: {exc.strerror}", 2) from exc
        except UnicodeDecodeError:
            raise CommandFailed(f"--from-file {name}: not UTF-8 text", 2) from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise CommandFailed(f"--from-file {name}: no memories in it (one per line)", 2)
    return lines


def _search(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    if args.limit < 1:
        raise CommandFailed("--limit must be at least 1", 2)
    results = service.search(persona, args.query, limit=args.limit, include_all=args.all)
    if args.json:
        _dump({"persona": persona, "query": args.query,
               "results": [{**s.memory.model_dump(), "score": round(s.score, 4)} for s in results]})
        return 0
    if not results:
        print(f"no memory of {persona} matches {args.query!r}")
    for s in results:
        print(_line(s.memory))
    return 0


def _status(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    memory_id = _id(args.id)
    op = args.memory_command
    memory = (service.forget(memory_id) if op == "forget" else
              service.restore(memory_id) if op == "restore" else
              service.pin(memory_id, op == "pin"))
    if args.json:
        _dump(memory.model_dump())
        return 0
    said = {"forget": f"forgot #{memory_id} (`ingle memory restore {memory_id}` undoes it)",
            "restore": f"restored #{memory_id}", "pin": f"pinned #{memory_id}",
            "unpin": f"unpinned #{memory_id}"}[op]
    print(f"{said}: {memory.text}")
    return 0


def _edit(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    result = service.edit(_id(args.id), args.text)
    if args.json:
        _dump({"superseded": _id(args.id), "memory": result.memory.model_dump()})
        return 0
    print(f"#{result.memory.id} replaces #{_id(args.id)}: {result.memory.text}")
    return 0


def _history(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    memory_id = _id(args.id) if args.id else None
    entries = service.history(persona=persona, memory_id=memory_id, limit=args.limit)
    if args.json:
        _dump({"persona": persona, "memory_id": memory_id,
               "entries": [e.model_dump() for e in entries]})
        return 0
    if not entries:
        print(f"no changes to the memories of {persona} yet")
    import datetime as dt

    for e in entries:
        at = dt.datetime.fromtimestamp(e.at).strftime("%Y-%m-%d %H:%M")
        detail = ", ".join(f"{k}: {e.old.get(k)!r} -> {v!r}" if k in e.old else f"{k}: {v!r}"
                           for k, v in e.new.items() if k not in e.old or e.old[k] != v)
        print(f"{at}  #{e.memory_id:<5} {e.op:<10} {e.actor:<14} {detail}")
    return 0


def _export(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    text = service.export_markdown(persona)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandFailed(f"--output {args.output}: cannot write it: {exc.strerror}", 2) from exc
    if args.json:
        _dump({"persona": persona, "markdown": text, "output": args.output})
    elif args.output:
        print(f"wrote the memories of {persona} to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def _consolidate(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    from ingle.core.memories.consolidate import consolidate_step
    from ingle.core.memories.models import ConsolidationReport

    if args.days is not None and args.days < 1:
        raise CommandFailed("--days must be at least 1", 2)
    print(f"consolidating the memories of {persona}...", file=sys.stderr)
    async def step() -> ConsolidationReport:
        try:
            return await consolidate_step(service, persona, archive_days=args.days)
        finally:
            await service.workbench.pool.aclose()

    report = asyncio.run(step())
    if args.json:
        _dump(report.model_dump())
        return 1 if report.error else 0
    if report.error:
        print(f"merging skipped: {report.error}", file=sys.stderr)
    print(f"{report.groups} group(s) of near-duplicates merged into {len(report.merged)} "
          f"memories ({len(report.superseded)} superseded); {len(report.archived)} never-used "
          "memories archived")
    for m in report.merged:
        print(f"  #{m.id}: {m.text}")
    return 1 if report.error else 0


def _short(text: str, width: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _corrections(args: argparse.Namespace, service: MemoryService, persona: str) -> int:
    items = service.corrections.list(args.domain)
    domains = sorted({c.domain for c in items})
    candidates = [c for d in domains for c in service.corrections.rule_candidates(d)]
    if args.json:
        _dump({"corrections": [c.model_dump() for c in items],
               "rule_candidates": [c.model_dump() for c in candidates]})
        return 0
    if not items:
        print("no corrections recorded yet")
    for c in items:  # one line each: a diff or a long answer is cut (--json has it all)
        print(f"#{c.id:<5} [{c.domain}, {c.source or 'recorded'}] {_short(c.input)!r}: "
              f"{_short(c.output)!r} -> {_short(c.corrected)!r}" + (f" ({c.note})" if c.note else ""))
    for c in candidates:
        print(f"rule offered ({c.support} consistent corrections): [{c.domain}] "
              f"{c.pattern!r} -> {c.output!r}")
    return 0
