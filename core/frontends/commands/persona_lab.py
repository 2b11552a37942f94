"""`ingle persona` actions of the lab beyond the basics: the creator (new --describe),
recommend, suggest, A/B and Elo. Printing only; the work is LabService's."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from itertools import zip_longest
from typing import TYPE_CHECKING

from ingle.core.frontends.commands.common import print_json

if TYPE_CHECKING:
    from ingle.core.lab.ab import Trial
    from ingle.core.lab.service import LabService


def describe(service: LabService, args: argparse.Namespace) -> int:
    import asyncio

    from ingle.personas.toml_io import persona_to_toml

    proposal = asyncio.run(service.describe(args.describe, args.name))
    persona = proposal.persona
    saved = service.save(persona, f"created from: {args.describe}", "creator") if args.save \
        else None
    if args.json:
        return print_json({"persona": persona.model_dump(mode="json"),
                            "toml": persona_to_toml(persona), "notes": proposal.notes,
                            "saved": saved.label if saved else None})
    sys.stdout.write(persona_to_toml(persona))
    for note in proposal.notes:
        print(f"note: {note}", file=sys.stderr)
    if saved:
        print(f"saved {saved.label} to {service.registry.get(persona.name).path}", file=sys.stderr)
    else:
        print("not saved; run again with --save to keep it", file=sys.stderr)
    return 0


def recommend(service: LabService, args: argparse.Namespace) -> int:
    import asyncio

    from ingle.core.lab.recommend import gb

    found = asyncio.run(service.recommend(args.task, args.context, vram_gb=args.vram,
                                          kv_cache=args.kv_cache))
    if args.json:
        return print_json(found.model_dump(mode="json"))
    print(f"task {found.task}, {found.context} tokens of context, KV cache {found.kv_cache}")
    print(f"GPU: {found.gpu}; budget {found.budget_text}")
    print(f"runtime overhead: {found.overhead_source}")
    for note in found.notes:
        print(f"note: {note}", file=sys.stderr)
    print()
    for index, c in enumerate(found.candidates, start=1):
        verdict = "fits" if c.fits else "does not fit"
        where = "" if c.installed else " (not installed)"
        print(f"{index}. {c.model} {c.quantization}{where}: {verdict}, largest context "
              f"{c.max_context}")
        f = c.figures
        if f is not None:
            print(f"   weights {gb(f.weights_bytes)} + KV {gb(f.kv_bytes)} "
                  f"({f.kv_bytes_per_token:,} B/token = {f.kv_formula}; x {c.context}) "
                  f"+ overhead {gb(f.overhead_bytes)} = {gb(f.total_bytes)} of "
                  f"{gb(f.budget_bytes)}")
        print(f"   why: {c.reason}")
    return 0


def suggest(service: LabService, args: argparse.Namespace) -> int:
    from ingle.core.errors import NotFound
    from ingle.personas.toml_io import persona_to_toml

    profile, found = service.suggest()
    if args.save:
        chosen = next((s for s in found if s.name == args.save), None)
        if chosen is None:
            raise NotFound(f"no suggestion named '{args.save}'",
                           f"suggested here: {', '.join(s.name for s in found) or 'none'}")
        version = service.save(service.proposal(chosen), f"suggested: {chosen.reason}")
        print(f"saved {version.label}; try it: ingle ask --persona {chosen.name} \"...\"")
        return 0
    if args.json:
        return print_json({"profile": profile.model_dump(mode="json"), "suggestions": [
            s.model_dump(mode="json") | {"toml": persona_to_toml(service.proposal(s))}
            for s in found]})
    top = ", ".join(f"{lang} {n}" for lang, n in list(profile.languages.items())[:4])
    print(f"languages (lines of code): {top or 'none found'}")
    if profile.frameworks:
        print("frameworks and tools: " + ", ".join(
            f"{name} ({where})" for name, where in profile.frameworks.items()))
    if not found:
        print("no persona to suggest beyond the built-ins here")
        return 0
    for s in found:
        print(f"\n{s.name} (from {s.base}): {s.description}")
        print(f"  why: {s.reason}")
        for line in s.constraints.splitlines():
            print(f"  {line}")
    print(f"\nsave one with: ingle persona suggest --save {found[0].name}")
    return 0


def ab(service: LabService, args: argparse.Namespace) -> int:
    """Both answers side by side, labels hidden; the pick is read from stdin, then the
    labels are revealed. With --json the pick still comes from stdin (one line)."""
    import asyncio
    import random

    rng = random.Random(args.seed) if args.seed is not None else None
    trial = asyncio.run(service.ab(args.a, args.b, args.prompt, tag=args.tag, rng=rng))
    show = sys.stderr if args.json else sys.stdout
    _side_by_side(trial, show)
    print("which is better? 1, 2 or tie (anything else: no pick) > ", end="", file=show,
          flush=True)
    choice = sys.stdin.readline().strip().lower()
    if not sys.stdin.isatty():
        print(file=show)  # the answer was piped in: end the prompt's line ourselves
    stored = service.pick(trial, choice) if choice in ("1", "2", "tie") else None
    reveal = {"1": trial.shown[0].contestant, "2": trial.shown[1].contestant}
    if args.json:
        return print_json({"tag": trial.tag, "prompt": trial.prompt, "left": trial.left,
                            "right": trial.right, "shown": [a.model_dump() for a in trial.shown],
                            "pick": choice or None,
                            "winner": stored.winner if stored else None})
    print(f"1 was {reveal['1']}; 2 was {reveal['2']}")
    if stored is None:
        print("no pick stored")
        return 0
    won = "a tie" if stored.winner == "tie" else getattr(trial, stored.winner)
    print(f"stored: {won} (tag {trial.tag}); see `ingle persona elo`")
    return 0


def _side_by_side(trial: Trial, out: object) -> None:
    width = shutil.get_terminal_size((120, 40)).columns
    if width < 80:  # too narrow for two columns: one after the other
        for index, answer in enumerate(trial.shown, start=1):
            print(f"--- answer {index} ---\n{answer.text}\n", file=out)
        return
    column = (width - 3) // 2
    sides = [_wrapped(f"answer {i} ({a.output_tokens} tokens, {a.seconds:.1f}s)", a.text, column)
             for i, a in enumerate(trial.shown, start=1)]
    for left, right in zip_longest(*sides, fillvalue=""):
        print(f"{left:<{column}} | {right}", file=out)
    print(file=out)


def _wrapped(title: str, text: str, width: int) -> list[str]:
    lines = [title, "-" * min(len(title), width)]
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width) or [""]
    return lines


def elo(service: LabService, args: argparse.Namespace) -> int:
    table = service.elo(args.tag)
    if args.json:
        return print_json(table.model_dump(mode="json"))
    if not table.ratings:
        print("no A/B picks stored yet; run `ingle persona ab A B \"prompt\"`")
        return 0
    header = ("TAG", "CONTESTANT", "ELO", "GAMES", "W-L-T")
    rows = [(r.tag, r.contestant, f"{r.rating:.0f}", str(r.games),
             f"{r.wins}-{r.losses}-{r.ties}") for r in table.ratings]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    for row in [header, *rows]:
        print("  ".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)).rstrip())
    return 0
