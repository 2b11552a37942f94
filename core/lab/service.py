"""LabService: the persona use cases (list, show, new, check, export, register, versions,
diff, restore), built on the Workbench. Front ends (the CLI, the Personas pane) call it
and print or show what it returns; nothing here prints."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from ingle.core.backends.errors import ServerUnreachable
from ingle.core.backends.ollama import OllamaBackend
from ingle.core.backends.registry import default_endpoint, open_ollama
from ingle.core.errors import IngleError, NotFound, UsageError
from ingle.core.lab import versions as lab_versions
from ingle.core.lab.ab import (
    MODEL_SEPARATOR,
    Answer,
    EloTable,
    Trial,
    blind_order,
    elo,
    split_contestant,
    timed,
)
from ingle.core.lab.creator import CreatorSession, Proposal, creator_persona
from ingle.core.lab.events import RegisterProgress
from ingle.core.lab.exports import export_text, suggested_path
from ingle.core.lab.models import (
    CheckReport,
    ExportFormat,
    ExportResult,
    NewPersonaResult,
    PersonaSummary,
    RegisterReport,
)
from ingle.core.lab.model_table import MODEL_TABLE, table_entry
from ingle.core.lab.readback import compare
from ingle.core.lab.suggest import RepoProfile, Suggestion, profile_repository, suggest
from ingle.core.lab.recommend import (
    ModelSpec,
    Recommendation,
    architecture_from_show,
    calibrate,
    evaluate,
    gb,
    rank,
)
from ingle.core.lab.recommend import DEFAULT_OVERHEAD
from ingle.core.workbench import Workbench
from ingle.memory.persona_preferences import Preference, add_preference, preferences
from ingle.memory.persona_versions import PersonaVersion, version_counts
from ingle.personas.create_body import build_create_body
from ingle.personas.model import TASK_KINDS, Persona
from ingle.personas.modelfile import ModelfileNotRepresentable, export_modelfile
from ingle.personas.registry import UnknownPersona
from ingle.personas.resolved import ResolvedPersona


DEFAULT_CONTEXT = 4096


class LabService:
    def __init__(self, workbench: Workbench) -> None:
        self.workbench = workbench
        self.store = workbench.store
        self.registry = lab_versions.track_versions(workbench.personas, workbench.store)

    # -- reading ---------------------------------------------------------------------

    def resolve(self, ref: str) -> ResolvedPersona:
        """`name`, `name@N` or `name@HASH`; NotFound names the known ones."""
        try:
            return lab_versions.resolve_persona(self.registry, self.store, ref)
        except UnknownPersona as exc:
            raise NotFound(str(exc)) from exc

    def summaries(self) -> list[PersonaSummary]:
        counts = version_counts(self.store)
        rows = []
        for name in self.registry.names():
            resolved = self.registry.get(name)
            persona = resolved.persona
            rows.append(PersonaSummary(
                name=name, description=persona.description, version=resolved.version_number,
                content_hash=persona.content_hash(), versions=counts.get(name, 0),
                models=persona.models(), task_kinds=list(persona.task_kinds),
                source=resolved.source, path=resolved.path, overrides=resolved.overrides,
            ))
        return rows

    def num_ctx(self, resolved: ResolvedPersona) -> int:
        return self.workbench.settings.num_ctx_for(resolved.persona.model_ref.model)

    def context_warning(self, resolved: ResolvedPersona) -> str | None:
        persona = resolved.persona
        num_ctx = self.num_ctx(resolved)
        if num_ctx >= persona.min_context:
            return None
        return context_shortfall(persona.model_ref.model, num_ctx, persona.min_context)

    # -- versions --------------------------------------------------------------------

    def versions(self, name: str) -> list[PersonaVersion]:
        return lab_versions.list_versions(self.store, self.registry, name)

    def diff(self, name: str, a: str, b: str) -> str:
        return lab_versions.diff_versions(self.store, self.registry, name, a, b)

    def restore(self, name: str, ref: str) -> PersonaVersion:
        return lab_versions.restore_version(self.store, self.registry, name, ref)

    def save(self, persona: Persona, changelog: str, author: str = "user") -> PersonaVersion:
        return lab_versions.save_version(self.store, self.registry, persona, changelog, author)

    # -- new, check ------------------------------------------------------------------

    def new_copy(self, name: str, source: str, *, force: bool = False) -> NewPersonaResult:
        """A copy of `source` under `name` in the user's directory, saved as a version."""
        original = self.resolve(source)
        try:
            copy = Persona.model_validate({**original.persona.model_dump(), "name": name})
        except ValidationError as exc:
            raise UsageError(f"'{name}' cannot be a persona name: {exc.errors()[0]['msg']}",
                             "use lower-case letters, digits, '.', '_' and '-'") from exc
        directory = self.workbench.dirs.user_personas
        target = directory / f"{name}.toml"
        if target.exists() and not force:
            raise IngleError(f"{target} already exists", "edit it, or pass --force to replace it")
        overrides = name in self.registry and self.registry.get(name).source == "builtin"
        self.save(copy, f"copied from {original.label}")
        return NewPersonaResult(path=target, source=source, overrides_builtin=overrides)

    def check(self) -> CheckReport:
        report = CheckReport(problems=[str(p) for p in self.registry.problems])
        settings = self.workbench.settings
        for name in self.registry.names():
            resolved = self.registry.get(name)
            persona = resolved.persona
            shortfall = self.context_warning(resolved)
            if shortfall:
                report.problems.append(f"{resolved.path}: min_context: {shortfall}")
            for field, ref in [("base_model", persona.model_ref),
                               *(("candidate_models", r) for r in map(
                                   type(persona.model_ref).parse, persona.candidate_models))]:
                if ref.endpoint and ref.endpoint not in settings.endpoints:
                    report.problems.append(
                        f"{resolved.path}: {field}: endpoint '{ref.endpoint}' is not configured "
                        f"(configured: {', '.join(settings.endpoints) or 'none'})"
                    )
            try:
                export_modelfile(resolved, self.num_ctx(resolved))
            except ModelfileNotRepresentable as exc:
                report.warnings.append(f"{resolved.path}: `ingle persona export` will refuse it: {exc}")
        if settings.persona and settings.persona not in self.registry:
            report.problems.append(
                f"config: persona: '{settings.persona}' is not a known persona "
                f"({self.workbench.loaded.source_of('persona')})"
            )
        report.usable = len(self.registry.names())
        return report

    # -- the creator ---------------------------------------------------------------------

    def creator(self) -> CreatorSession:
        """A new interview (the pane's New); see core/lab/creator.py."""
        return CreatorSession(self.workbench.caller, creator_persona(self.resolve("my-generalist")),
                              self.workbench.settings, self.registry.library)

    async def describe(self, description: str, name: str | None = None) -> Proposal:
        """The creator without questions: one proposal from a description (headless)."""
        if not description.strip():
            raise UsageError("the description is empty", 'say what the persona is for, e.g. '
                             '--describe "a Go reviewer that answers in JSON"')
        session = self.creator()
        if name:
            session.edits["name"] = name
        try:
            return await session.answer("description", description)
        except ValueError as exc:
            raise IngleError(str(exc), "run it again, or write the persona with "
                             "`ingle persona new NAME --from EXISTING`") from exc

    # -- A/B -------------------------------------------------------------------------

    async def run_prompt(self, contestant: str, prompt: str, task_kind: str = "lab") -> Answer:
        """One answer from `PERSONA[@V][+MODEL]` (the pane's test panel and A/B)."""
        persona_ref, model = split_contestant(contestant)
        resolved = self.resolve(persona_ref)
        label = resolved.label + (f"{MODEL_SEPARATOR}{model}" if model else "")
        started = timed()
        result = await self.workbench.caller.call(resolved, prompt, task_kind=task_kind,
                                                  model=model)
        return Answer(contestant=label, text=result.text, thinking=result.thinking,
                      output_tokens=result.usage.output_tokens, seconds=timed() - started)

    async def ab(self, a: str, b: str, prompt: str, *, tag: str | None = None,
                 rng: random.Random | None = None) -> Trial:
        """Both answers (one after the other: one GPU holds one model), in a blind order."""
        if not prompt.strip():
            raise UsageError("the prompt is empty", 'give the prompt to compare on, in quotes')
        first = self.resolve(split_contestant(a)[0])
        left = await self.run_prompt(a, prompt, "ab")
        right = await self.run_prompt(b, prompt, "ab")
        if left.contestant == right.contestant:
            raise UsageError(f"both sides are {left.contestant}",
                             "compare two versions (my-coder@1 my-coder@2) or two models "
                             "(my-coder+qwen3:8b my-coder+qwen3:14b)")
        swapped = blind_order(rng or random.Random())
        return Trial(tag=tag or first.persona.task_kinds[0], prompt=prompt,
                     left=left.contestant, right=right.contestant,
                     shown=[right, left] if swapped else [left, right], swapped=swapped)

    def pick(self, trial: Trial, choice: str) -> Preference:
        """Store the user's pick ("1", "2" or "tie" of the answers as shown)."""
        if choice not in ("1", "2", "tie"):
            raise UsageError(f"'{choice}' is not a pick", "answer 1, 2 or tie")
        return add_preference(self.store, trial.tag, trial.prompt, trial.left, trial.right,
                              trial.winner_of(choice))

    def elo(self, tag: str | None = None) -> EloTable:
        return elo(preferences(self.store, tag))

    # -- suggest -----------------------------------------------------------------------

    def suggest(self, repo: Path | None = None) -> tuple[RepoProfile, list[Suggestion]]:
        """Personas proposed from `repo` (default: the workbench's repository)."""
        root = repo or self.workbench.loaded.repo
        if root is None:
            raise UsageError("no repository to look at", "run it inside one, or pass --repo PATH")
        profile = profile_repository(root)
        return profile, suggest(profile, set(self.registry.names()))

    def proposal(self, suggestion: Suggestion) -> Persona:
        """The suggested persona: its base built-in with the repository's constraints."""
        base = self.resolve(suggestion.base).persona
        constraints = "\n".join(p for p in (base.constraints, suggestion.constraints) if p)
        return Persona.model_validate({**base.model_dump(), "name": suggestion.name,
                                       "description": suggestion.description,
                                       "constraints": constraints, "version": 1})

    # -- recommend ---------------------------------------------------------------------

    async def recommend(self, task: str, context: int = DEFAULT_CONTEXT, *,
                        vram_gb: float | None = None, kv_cache: str = "f16") -> Recommendation:
        """Every candidate model for `task` at `context` tokens: which fit this GPU, the
        largest context each allows, and the arithmetic; best first."""
        if task not in TASK_KINDS:
            raise UsageError(f"'{task}' is not a task kind", f"use one of: {', '.join(TASK_KINDS)}")
        if context < 256:
            raise UsageError(f"--context {context} is too small", "give at least 256 tokens")
        notes: list[str] = []
        try:
            backend = open_ollama(self.workbench.settings,
                                  default_endpoint(self.workbench.settings))
        except IngleError as exc:
            backend, notes = None, [f"no Ollama endpoint ({exc.message}): the built-in table only"]
        specs: list[ModelSpec] = []
        loaded: list[tuple[str, int, int]] = []
        if backend is not None:
            try:
                specs, loaded = await _inventory(backend)
            except ServerUnreachable as exc:
                notes.append(f"Ollama did not answer ({exc.message}): the built-in table only")
            finally:
                await backend.aclose()
        # A registered persona is a model too, but the same weights as its base: not a candidate.
        specs = [s for s in specs if s.name.split(":")[0] not in self.registry]
        have = {s.name for s in specs}
        specs += [ModelSpec(name=m.name, installed=False, quantization=m.default_quantization,
                            weights_bytes=m.sizes[m.default_quantization],
                            architecture=m.architecture, source="built-in table")
                  for m in MODEL_TABLE if m.name not in have]
        by_name = {s.name: s for s in specs}
        calibrations = [c for name, ctx, vram in loaded if name in by_name
                        and (c := calibrate(by_name[name], ctx, vram, kv_cache)) is not None]
        calibration = max(calibrations, key=lambda c: c.overhead_bytes, default=None)
        overhead = calibration.overhead_bytes if calibration else DEFAULT_OVERHEAD
        reclaimable = sum(vram for _, _, vram in loaded)
        if vram_gb is not None:
            if vram_gb <= 0:
                raise UsageError(f"--vram {vram_gb} is not a memory size", "give GB, e.g. --vram 12")
            budget, gpu = int(vram_gb * 1e9), f"--vram {vram_gb:g} GB"
            budget_text = f"{gb(budget)} (from --vram)"
        else:
            probe = self.workbench.gpu()
            if not probe.gpus:
                raise UsageError(f"no GPU reading: {probe.problem}",
                                 "pass --vram GB with the GPU's memory, e.g. --vram 12")
            card = probe.gpus[0]
            budget, gpu = card.free_bytes + reclaimable, card.name
            budget_text = (f"{gb(card.free_bytes)} free of {gb(card.total_bytes)}"
                           + (f" + {gb(reclaimable)} held by Ollama's loaded models"
                              if reclaimable else "") + f" = {gb(budget)}")
        candidates = rank([evaluate(s, context, budget, overhead, kv_cache) for s in specs], task)
        source = (f"measured: {calibration.model} at {calibration.context} tokens uses "
                  f"{gb(calibration.size_vram)} (/api/ps) = weights {gb(calibration.weights_bytes)}"
                  f" + KV {gb(calibration.kv_bytes)} + overhead {gb(calibration.overhead_bytes)}"
                  if calibration else f"default {gb(DEFAULT_OVERHEAD)} (no loaded model to "
                  "measure; load one and run again to calibrate)")
        return Recommendation(task=task, context=context, kv_cache=kv_cache, gpu=gpu,
                              budget_bytes=budget, budget_text=budget_text,
                              calibration=calibration, overhead_source=source,
                              candidates=candidates, notes=notes)

    # -- export, register --------------------------------------------------------------

    def export(self, ref: str, fmt: ExportFormat) -> ExportResult:
        resolved = self.resolve(ref)
        warning = self.context_warning(resolved)
        try:
            text = export_text(resolved, fmt, self.num_ctx(resolved))
        except ModelfileNotRepresentable as exc:
            raise IngleError(str(exc), "change that text in the persona, or export as "
                             "--format ollama-json") from exc
        return ExportResult(name=resolved.name, version=resolved.version_number, format=fmt,
                            text=text, warnings=[warning] if warning else [],
                            suggested_path=suggested_path(resolved.name, fmt))

    async def register(
        self,
        ref: str,
        endpoint: str | None = None,
        on_progress: Callable[[RegisterProgress], None] | None = None,
    ) -> RegisterReport:
        """Create the persona as a model on an Ollama endpoint, then read it back through
        /api/show and report every field that differs from what was sent."""
        resolved = self.resolve(ref)
        persona = resolved.persona
        settings = self.workbench.settings
        target = endpoint or persona.model_ref.endpoint or default_endpoint(settings)
        num_ctx = self.num_ctx(resolved)
        body = build_create_body(resolved, num_ctx).to_json()

        def progress(status: str, fraction: float | None = None) -> None:
            event = RegisterProgress(persona=persona.name, status=status, fraction=fraction)
            self.workbench.bus.publish(event)
            if on_progress is not None:
                on_progress(event)

        backend: OllamaBackend = open_ollama(settings, target)
        try:
            async for event in backend.create_model(body):
                progress(event.status, event.fraction)
            progress("reading the model back through /api/show")
            shown = await backend.show(persona.name)
        finally:
            await backend.aclose()
        mismatches = compare(body, shown)
        think = persona.think.setting()
        note = f"clients should still send think={str(think).lower() if isinstance(think, bool) else think}"
        if persona.json_schema is not None:
            note += " and the persona's JSON schema as format"
        warning = self.context_warning(resolved)
        return RegisterReport(
            model=persona.name, endpoint=target, from_model=body["from"], num_ctx=num_ctx,
            version=resolved.version_number, verified=not mismatches, mismatches=mismatches,
            warnings=[warning] if warning else [], notes=[f"{note}: a model cannot store them"],
        )


async def _inventory(backend: OllamaBackend) -> tuple[list[ModelSpec], list[tuple[str, int, int]]]:
    """Installed models with their architecture (/api/tags + /api/show), and what /api/ps
    reports loaded: (name, context, size_vram)."""
    specs: list[ModelSpec] = []
    for info in await backend.list_models():
        shown = await backend.show(info.name)
        arch = architecture_from_show(shown.model_info)
        source = "/api/show"
        if arch is None and (entry := table_entry(info.name)) is not None:
            arch, source = entry.architecture, "built-in table"
        specs.append(ModelSpec(name=info.name, installed=True,
                               quantization=info.details.quantization_level,
                               weights_bytes=info.size, architecture=arch, source=source))
    loaded = [(m.name, m.context_length or 4096, m.size_vram) for m in await backend.ps()]
    return specs, loaded


def context_shortfall(model: str, num_ctx: int, needed: int) -> str:
    return (
        f"{model} runs with num_ctx {num_ctx} but this persona needs at least {needed}; "
        f'raise it with `[models."{model}"] num_ctx = {needed}` in config.toml, '
        "or pick a base model with a larger context"
    )
