"""Few-shot candidates for refine, bootstrapped from what already works.

Besides the proposer's instruction rewrites, refine tries the current persona with a few
worked examples added: replies of the current persona that passed every check on the
train cases (never the holdout: those judge the candidates), and the user's own
corrections of this persona from the correction log (core/memories), nearest to the
failing cases first. They are candidates like any other: scored on the holdout split and
kept only if they improve without a must-pass regression. An accepted candidate's examples
become files in the user's example library (`examples/<kind>/refine-...toml`), referenced
from the saved persona version, so the version is an ordinary persona file.
"""

from __future__ import annotations

from pathlib import Path

from ingle.core.evals.models import Case
from ingle.core.memories.corrections import CorrectionsService
from ingle.memory import evals as rows
from ingle.memory.store import Store
from ingle.personas.examples import Example
from ingle.personas.model import Persona
from ingle.personas.registry import USER_EXAMPLES_SUBDIR, PersonaRegistry
from ingle.personas.resolved import ResolvedPersona
from ingle.personas.toml_io import toml_string, toml_text

MAX_EXAMPLES = 3


def few_shot_proposals(store: Store, current: ResolvedPersona, train: list[Case],
                       train_run_id: str, failing: list[str]) -> list[dict]:
    """Up to two candidates: passing train outputs as examples, and the persona's nearest
    corrections. Each is a proposal dict like the proposer's, with `examples`."""
    persona = current.persona
    base = {"role": persona.role, "constraints": persona.constraints, "format": persona.format}
    out = []
    passing = passing_pairs(store, train, train_run_id)
    if passing:
        ids = ", ".join(case_id for case_id, _, _ in passing)
        out.append({**base, "examples": [[i, o] for _, i, o in passing],
                    "rationale": f"few-shot: {len(passing)} passing output(s) bootstrapped "
                                 f"from train case(s) {ids}"})
    texts = [c.text() for c in train if c.id in failing]
    corrected = correction_pairs(CorrectionsService(store), persona.name, texts)
    if corrected:
        ids = ", ".join(f"#{n}" for n, _, _ in corrected)
        out.append({**base, "examples": [[i, o] for _, i, o in corrected],
                    "rationale": f"few-shot: {len(corrected)} correction(s) from the "
                                 f"correction log ({ids})"})
    return out


def passing_pairs(store: Store, train: list[Case], run_id: str) -> list[tuple[str, str, str]]:
    """(case id, input, output) of samples that passed every check they ran, in case order."""
    by_case = {c.id: c for c in train if c.prompt and not c.messages}
    samples = {s.id: s for s in rows.samples_of(store, run_id) if not s.error and s.output.strip()}
    verdicts: dict[int, bool] = {}
    for score in rows.scores_of(store, run_id):
        if not score.skipped:
            verdicts[score.sample_id] = verdicts.get(score.sample_id, True) and score.passed
    found = {samples[i].case_id: samples[i].output.strip() for i, ok in verdicts.items()
             if ok and i in samples and samples[i].case_id in by_case}
    order = [c.id for c in train if c.id in found]
    return [(cid, by_case[cid].text(), found[cid]) for cid in order][:MAX_EXAMPLES]


def correction_pairs(corrections: CorrectionsService, persona: str,
                     texts: list[str]) -> list[tuple[int, str, str]]:
    """(id, input, corrected) of this persona's corrections, nearest the failing inputs
    first, then the newest."""
    mine = [c for c in corrections.list(limit=500) if c.persona == persona and c.corrected.strip()]
    if not mine:
        return []
    picked: dict[int, tuple[int, str, str]] = {}
    for domain in sorted({c.domain for c in mine}):
        for text in texts:
            for c in corrections.nearest(domain, text, MAX_EXAMPLES):
                if c.persona == persona and c.corrected.strip():
                    picked.setdefault(c.id, (c.id, c.input, c.corrected))
    for c in mine:
        picked.setdefault(c.id, (c.id, c.input, c.corrected))
    return list(picked.values())[:MAX_EXAMPLES]


def example_refs(persona: Persona, refine_id: str, round_no: int, idx: int,
                 count: int) -> list[str]:
    kind = persona.task_kinds[0]
    return [f"{kind}/refine-{persona.name}-{refine_id}-{round_no}-{idx}-{n}"
            for n in range(1, count + 1)]


def with_examples(current: ResolvedPersona, candidate: Persona, proposal: dict, refine_id: str,
                  round_no: int, idx: int, examples_dir: Path) -> tuple[Persona, ResolvedPersona]:
    """The candidate persona with the proposal's examples added after its own (as refs,
    and resolved for the eval run)."""
    pairs = [(str(i), str(o)) for i, o in proposal.get("examples") or []]
    if not pairs:
        return candidate, ResolvedPersona(persona=candidate, examples=current.examples,
                                          source="user", path=current.path)
    refs = example_refs(candidate, refine_id, round_no, idx, len(pairs))
    candidate = candidate.model_copy(update={"examples": [*candidate.examples, *refs]})
    added = [Example(ref=ref, kind=candidate.task_kinds[0], description=proposal["rationale"],
                     input=i, output=o, path=examples_dir / f"{ref}.toml")
             for ref, (i, o) in zip(refs, pairs, strict=True)]
    return candidate, ResolvedPersona(persona=candidate, examples=[*current.examples, *added],
                                      source="user", path=current.path)


def install_examples(registry: PersonaRegistry, resolved: ResolvedPersona) -> None:
    """Write an accepted candidate's new examples into the user's library (and the loaded
    one), so saving the version resolves them like any example file."""
    for example in resolved.examples:
        if registry.library.get(example.ref) is not None:
            continue
        example.path.parent.mkdir(parents=True, exist_ok=True)
        example.path.write_text(
            f"description = {toml_string(example.description)}\n"
            f"input = {toml_text(example.input)}\noutput = {toml_text(example.output)}\n",
            encoding="utf-8")
        registry.library.examples[example.ref] = example


def examples_dir(registry: PersonaRegistry) -> Path:
    if registry.user_dir is None:
        return Path(USER_EXAMPLES_SUBDIR)  # refine cannot save without it; save_version says so
    return registry.user_dir / USER_EXAMPLES_SUBDIR
