"""EvalService: run suites over subjects, store samples and scores, report, diff, re-score.

Built from the workbench's parts: the persona caller (every model call, recorded), the
persona registry, the store, the gates (built on first use) and the bus (progress).
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING


from ingle.core.errors import NotFound, UsageError
from ingle.core.evals import steps
from ingle.core.evals import suites as suite_files
from ingle.core.evals.checks import CheckContext
from ingle.core.evals.events import EvalEvent, RunFinished, RunStarted, SampleDone
from ingle.core.evals.judges import Judge
from ingle.core.evals.metrics import failed_thresholds, flip_rate, fold, subject_metrics
from ingle.core.evals.models import (
    CASE_JUDGES, Case, CaseCell, CaseChange, DiffReport, RunInfo, RunReport, SampleDetail, Subject,
    SubjectMetrics,
    Suite,
)
from ingle.core.evals.runner import (
    Job, cache_key, fan_out, generate, group_by_model, locate, messages_for, repair_messages,
    sample_row,
)
from ingle.core.evals.scoring import score_case_judges, score_sample
from ingle.core.evals.steps import SampleKey, SampleResult
from ingle.memory import evals as rows
from ingle.memory.evals import SampleRow, ScoreRow
from ingle.personas.registry import UnknownPersona
from ingle.personas.resolved import ResolvedPersona

if TYPE_CHECKING:
    from ingle.core.evals.promptfoo import Imported
    from ingle.core.workbench import Workbench

OnEvent = Callable[[EvalEvent], None]


class EvalService:
    def __init__(self, workbench: Workbench) -> None:
        self.wb = workbench
        self.store = workbench.store
        self.caller = workbench.caller
        self.judge = Judge(workbench.caller, workbench.personas, workbench.settings,
                           workbench.store)

    # -- suites and subjects -------------------------------------------------------------
    def suites(self) -> list[tuple[str, str]]:
        return suite_files.available(self.wb.dirs.config, self.wb.loaded.repo)

    def load_suite(self, name: str) -> Suite:
        return suite_files.load_suite(name, self.wb.dirs.config, self.wb.loaded.repo)

    def subjects(self, suite: Suite, personas: list[str] | None = None,
                 models: list[str] | None = None) -> list[Subject]:
        """Every persona x model pair; without models, each persona on its own model."""
        names = personas or suite.personas or ["my-generalist"]
        out: list[Subject] = []
        for given in names:
            name, _, version = given.partition("@")
            if version and not version.isdigit():
                raise UsageError(f"'{given}': a persona version is a number (my-coder@3)",
                                 "write PERSONA or PERSONA@VERSION")
            persona = self._persona(name, int(version) if version else None)
            # pinned to the version it runs with, so a resumed run asks the same persona
            pinned = persona.version_number
            for model in models or suite.models or [str(persona.model_ref)]:
                out.append(Subject(persona=name, version=pinned, model=model))
        return out

    def _persona(self, name: str, version: int | None) -> ResolvedPersona:
        """The persona, at `version` when given (versions kept by the persona lab)."""
        try:
            return self.wb.personas.get(f"{name}@{version}" if version is not None else name)
        except UnknownPersona as exc:
            raise NotFound(str(exc)) from exc

    # -- running -------------------------------------------------------------------------
    async def run(self, suite: Suite, subjects: list[Subject], *, samples: int | None = None,
                  limit: int | None = None, on_event: OnEvent | None = None,
                  resolved: dict[Subject, ResolvedPersona] | None = None) -> RunReport:
        """`resolved`: personas not in the registry (the refine loop's candidates)."""
        run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)
        rows.create_run(self.store, rows.RunRow(
            id=run_id, suite=suite.name, suite_json=suite.model_dump_json(by_alias=True),
            subjects_json=rows.dumps([s.model_dump() for s in subjects]),
            samples=samples or suite.samples, case_limit=limit, status="running",
            started_at=time.time()))
        return await self._execute(run_id, on_event, resolved or {})

    async def resume(self, run_id: str, on_event: OnEvent | None = None) -> RunReport:
        """Finish an interrupted run: stored samples are kept, the rest are generated."""
        return await self._execute(self.resolve_run(run_id), on_event)

    async def _execute(self, run_id: str, on_event: OnEvent | None,
                       resolved: dict[Subject, ResolvedPersona] | None = None) -> RunReport:
        run, suite, subjects = self._load(run_id)
        emit = self._emitter(on_event)
        cases = suite.cases[: run.case_limit] if run.case_limit else suite.cases
        self._drop_errored(run_id)  # failed calls are retried on resume
        have = {(s.case_id, s.subject, s.sample_index) for s in rows.samples_of(self.store, run_id)
                if s.attempt == 0}
        jobs = [Job(case=c, subject=s, sample_index=i) for c in cases for s in subjects
                for i in range(run.samples) if (c.id, s.label, i) not in have]
        given = resolved or {}
        personas = {s: given.get(s) or self._persona(s.persona, s.version) for s in subjects}
        by_model = group_by_model(jobs)
        placements = {m: await locate(self.caller, m) for m in by_model}
        emit(RunStarted(run_id=run_id, suite=suite.name, planned=len(jobs), stored=len(have),
                        subjects=[s.label for s in subjects]))
        ctx_dir = Path(suite.source).parent if suite.source.endswith(".toml") else None
        done = 0

        async def work(job: Job, endpoint: str, digest: str) -> None:
            nonlocal done
            persona = personas[job.subject]
            _, request = self.caller.request_for(persona, messages_for(job.case, persona),
                                                 model=job.subject.model,
                                                 temperature=suite.temperature)
            ctx = CheckContext(job.case, self._gates, ctx_dir)
            verdict = None
            for attempt in range(suite.repairs + 1):
                row = await self._sample(run_id, job, attempt, endpoint, digest, request)
                scores = await score_sample(suite, job.case, row, ctx, self.judge)
                rows.put_scores(self.store, scores)
                verdict = fold(row, scores)
                if verdict.passed or row.error:
                    break
                reasons = [s.reason for s in scores if not s.passed and not s.skipped]
                request = request.model_copy(
                    update={"messages": repair_messages(request, row.output, reasons)})
            assert verdict is not None
            done += 1
            emit(SampleDone(run_id=run_id, case_id=job.case.id, subject=job.subject.label,
                            sample_index=job.sample_index, passed=verdict.passed,
                            score=verdict.score, cached=verdict.sample.cached_from is not None,
                            error=verdict.sample.error, done=done, planned=len(jobs)))

        try:
            await fan_out(by_model, placements, self.caller, work)
            touched = {j.case.id for j in jobs}
            await self._case_judges(run_id, suite, [c for c in cases if c.id in touched],
                                    [s.label for s in subjects])
        except BaseException:
            rows.set_run_status(self.store, run_id, "interrupted")
            emit(RunFinished(run_id=run_id, status="interrupted", done=done, planned=len(jobs)))
            raise
        rows.set_run_status(self.store, run_id, "done")
        emit(RunFinished(run_id=run_id, status="done", done=done, planned=len(jobs)))
        return self.report(run_id)

    async def _sample(self, run_id: str, job: Job, attempt: int, endpoint: str, digest: str,
                      request) -> SampleRow:  # noqa: ANN001 - a ChatRequest
        key = cache_key(digest, request, job.sample_index, attempt)
        cached = rows.cached_sample(self.store, key)
        if cached is not None:
            row = cached.model_copy(update=dict(
                id=None, run_id=run_id, case_id=job.case.id, subject=job.subject.label,
                sample_index=job.sample_index, attempt=attempt, cached_from=cached.id,
                created_at=0.0))
        else:
            result, error, seconds = await generate(self.caller, endpoint, request,
                                                    job.subject.persona)
            row = sample_row(run_id, job, attempt, key, endpoint, digest, request, result,
                             error, seconds)
        row.id = rows.add_sample(self.store, row)
        return row

    async def _case_judges(self, run_id: str, suite: Suite, cases: list,  # noqa: ANN001
                           subjects: list[str], only: set[str] | None = None) -> None:
        if not any(s.type in CASE_JUDGES for c in cases for s in suite.checks_for(c)):
            return
        samples = rows.samples_of(self.store, run_id)
        failed_must = {s.sample_id for s in rows.scores_of(self.store, run_id)
                       if s.must_pass and not s.passed and not s.skipped}
        for case in cases:
            mine = [s for s in samples if s.case_id == case.id]
            scored = await score_case_judges(suite, case, mine, subjects, self.judge,
                                             lambda s: s.id in failed_must, only)
            rows.put_scores(self.store, scored)

    def _gates(self):  # noqa: ANN202 - the workbench's GateRunner, built on first use
        return self.wb.gates

    def _emitter(self, on_event: OnEvent | None) -> OnEvent:
        def emit(event: EvalEvent) -> None:
            self.wb.bus.publish(event)
            if on_event is not None:
                on_event(event)
        return emit

    def _drop_errored(self, run_id: str) -> None:
        with self.store.db.conn:
            self.store.db.execute(
                "DELETE FROM eval_scores WHERE sample_id IN (SELECT id FROM eval_samples "
                "WHERE run_id = ? AND error != '')", [run_id])
            self.store.db.execute("DELETE FROM eval_samples WHERE run_id = ? AND error != ''",
                                  [run_id])

    # -- one sample at a time, for the job runner (core/jobs; see core/evals/steps.py) ----
    def plan_run(self, suite: Suite, subjects: list[Subject], *, samples: int | None = None,
                 limit: int | None = None) -> tuple[str, list[SampleKey]]:
        """Create a run and list its samples without generating any."""
        return steps.plan_run(self, suite, subjects, samples=samples, limit=limit)

    def run_snapshot(self, run_id: str) -> steps.RunSnapshot:
        """What computing the run's samples needs (sent along where the run is not stored)."""
        return steps.RunSnapshot.load(self, run_id)

    async def compute_sample(self, key: SampleKey, endpoint: str | None = None,
                             snapshot: steps.RunSnapshot | None = None) -> SampleResult:
        """Generate and score one planned sample; nothing of the run is written."""
        cache = self.__dict__.setdefault("_step_cache", {})
        if snapshot is None:
            if key.run_id not in cache:
                cache[key.run_id] = steps.RunSnapshot.load(self, key.run_id)
            snapshot = cache[key.run_id]
        placements = self.__dict__.setdefault("_placements", {})
        return await steps.compute_sample(self, snapshot, key, placements, endpoint)

    def record_sample(self, result: SampleResult, done: int = 0, planned: int = 0) -> None:
        """Store a computed sample and its scores (once, whoever computed it)."""
        steps.record_sample(self, result, done, planned)

    async def finish_run(self, run_id: str) -> RunReport:
        """Every planned sample is stored: run the case judges and close the run."""
        await steps.finish_run(self, run_id)
        return self.report(run_id)

    def capture(self, turn: str, suite: str, outcome: str | None = None) -> tuple[Case, Path]:
        """Append the stored turn `turn` to the user's suite `suite` as a case."""
        from ingle.core.evals.capture import append_case, case_from_turn

        case = case_from_turn(rows.turn_calls(self.store, turn), outcome)
        return case, append_case(suite_files.user_suite_dir(self.wb.dirs.config), suite, case)

    def import_promptfoo(self, path: Path, *, name: str | None = None, out: Path | None = None,
                         force: bool = False) -> Imported:
        """A promptfoo config written as a suite in the user's suites (or `out`)."""
        from ingle.core.evals.promptfoo import import_file

        return import_file(path, suite_files.user_suite_dir(self.wb.dirs.config), name=name,
                           out=out, force=force)

    # -- reading runs --------------------------------------------------------------------
    def resolve_run(self, given: str) -> str:
        found = rows.find_runs(self.store, given)
        if given in found:
            return given
        if not found:
            raise NotFound(f"no eval run '{given}'", "`ingle eval ls` lists the runs")
        if len(found) > 1:
            raise UsageError(f"'{given}' matches {len(found)} runs", "type more of the run id")
        return found[0]

    def _load(self, run_id: str) -> tuple[rows.RunRow, Suite, list[Subject]]:
        import json

        run = rows.get_run(self.store, run_id)
        if run is None:
            raise NotFound(f"no eval run '{run_id}'", "`ingle eval ls` lists the runs")
        suite = Suite.model_validate_json(run.suite_json)
        subjects = [Subject(**s) for s in json.loads(run.subjects_json)]
        return run, suite, subjects

    def info(self, run: rows.RunRow, stored: int) -> RunInfo:
        import json

        subjects = [Subject(**s) for s in json.loads(run.subjects_json)]
        cases = len(Suite.model_validate_json(run.suite_json).cases)
        cases = min(cases, run.case_limit) if run.case_limit else cases
        return RunInfo(id=run.id, suite=run.suite, started_at=run.started_at,
                       finished_at=run.finished_at, status=run.status,  # type: ignore[arg-type]
                       subjects=subjects, samples=run.samples, limit=run.case_limit,
                       stored=stored, planned=cases * len(subjects) * run.samples)

    def runs(self) -> list[RunInfo]:
        return [self.info(run, n) for run, n in rows.list_runs(self.store)]

    def report(self, given: str) -> RunReport:
        run_id = self.resolve_run(given)
        run, suite, subjects = self._load(run_id)
        samples = rows.samples_of(self.store, run_id)
        by_sample: dict[int, list[ScoreRow]] = defaultdict(list)
        for score in rows.scores_of(self.store, run_id):
            by_sample[score.sample_id].append(score)
        verdicts = [fold(s, by_sample[s.id or 0]) for s in samples]
        metrics = []
        for subject in subjects:
            mine = [v for v in verdicts if v.subject == subject.label]
            values = subject_metrics(mine, run.samples, suite.repairs)
            errors = [v.sample.error for v in mine if v.sample.error]
            metrics.append(SubjectMetrics(subject=subject.label, metrics=values,
                                          failed_thresholds=failed_thresholds(values, suite.thresholds),
                                          first_error=errors[0] if errors else ""))
        cells: dict[tuple[str, str], list] = defaultdict(list)
        for v in verdicts:
            if v.sample.attempt == 0:
                cells[(v.case_id, v.subject)].append(v)
        # The suite's case order and the run's subject order, whatever order samples landed in.
        case_order = {case.id: i for i, case in enumerate(suite.cases)}
        subject_order = {subject.label: i for i, subject in enumerate(subjects)}
        grid = [CaseCell(case_id=c, subject=s, passed=sum(v.passed for v in vs), total=len(vs),
                         score=sum(v.score for v in vs) / len(vs),
                         latency_s=sorted(v.sample.latency_s for v in vs)[len(vs) // 2],
                         errors=sum(1 for v in vs if v.sample.error))
                for (c, s), vs in sorted(cells.items(), key=lambda kv: (
                    case_order.get(kv[0][0], len(case_order)),
                    subject_order.get(kv[0][1], len(subject_order))))]
        return RunReport(run=self.info(run, len(samples)), subjects=metrics, cells=grid)

    def diff(self, base: str, cand: str) -> DiffReport:
        b, c = self.report(base), self.report(cand)
        b_cells = {(x.case_id, x.subject): x for x in b.cells}
        c_cells = {(x.case_id, x.subject): x for x in c.cells}
        b_subjects = [s.subject for s in b.subjects]
        c_subjects = [s.subject for s in c.subjects]
        if not set(b_subjects) & set(c_subjects) and len(b_subjects) == len(c_subjects):
            # different persona versions or models: compare column by column
            rename = dict(zip(c_subjects, b_subjects, strict=True))
            c_cells = {(case, rename[subj]): x for (case, subj), x in c_cells.items()}
        changes = []
        for key in sorted(b_cells.keys() & c_cells.keys()):
            before = b_cells[key].passed / max(b_cells[key].total, 1)
            after = c_cells[key].passed / max(c_cells[key].total, 1)
            change = "improved" if after > before else "regressed" if after < before else (
                "unchanged")
            changes.append(CaseChange(case_id=key[0], subject=key[1], base=before, cand=after,
                                      change=change))  # type: ignore[arg-type]
        flips = flip_rate({k: v.passed == v.total for k, v in b_cells.items()},
                          {k: v.passed == v.total for k, v in c_cells.items()})
        return DiffReport(base=b.run.id, cand=c.run.id, changes=changes, flip_rate=flips,
                          improved=sum(x.change == "improved" for x in changes),
                          regressed=sum(x.change == "regressed" for x in changes),
                          unchanged=sum(x.change == "unchanged" for x in changes))

    def cell(self, run_id: str, case_id: str, subject: str) -> list[SampleDetail]:
        """Every first-attempt sample of one grid cell, with scores and labels."""
        labels = rows.labels_of(self.store, run_id)
        by_sample: dict[int, list[ScoreRow]] = defaultdict(list)
        for score in rows.scores_of(self.store, run_id):
            by_sample[score.sample_id].append(score)
        out = []
        for s in rows.samples_of(self.store, run_id):
            if s.case_id == case_id and s.subject == subject and s.attempt == 0:
                verdict = fold(s, by_sample[s.id or 0])
                out.append(SampleDetail(sample=s, scores=by_sample[s.id or 0],
                                        label=labels.get(s.id or 0), passed=verdict.passed,
                                        score=verdict.score))
        return sorted(out, key=lambda d: d.sample.sample_index)

    def label(self, sample_id: int, thumbs: int, comment: str | None = None) -> None:
        """A human's thumbs up (+1) or down (-1), and an optional comment, on a sample."""
        if rows.sample(self.store, sample_id) is None:
            raise NotFound(f"no sample {sample_id}")
        previous = None
        for label in rows.labels_of(self.store, rows.sample(self.store, sample_id).run_id
                                    ).values():  # type: ignore[union-attr]
            if label.sample_id == sample_id:
                previous = label
        if comment is None:
            comment = previous.comment if previous else ""
        rows.set_label(self.store, rows.LabelRow(sample_id=sample_id, thumbs=thumbs,
                                                 comment=comment))

    def agreement(self, run_id: str) -> tuple[int, int]:
        """(agreeing, labelled): how often the checks' verdict matches the human's thumbs."""
        labels = rows.labels_of(self.store, run_id)
        if not labels:
            return 0, 0
        by_sample: dict[int, list[ScoreRow]] = defaultdict(list)
        for score in rows.scores_of(self.store, run_id):
            by_sample[score.sample_id].append(score)
        agree = 0
        for s in rows.samples_of(self.store, run_id):
            label = labels.get(s.id or 0)
            if label is not None and label.thumbs:
                agree += fold(s, by_sample[s.id or 0]).passed == (label.thumbs > 0)
        return agree, sum(1 for lb in labels.values() if lb.thumbs)

    async def rescore(self, given: str, checks: list[str] | None = None) -> RunReport:
        """Score the stored samples again (with the suite file as it is now, when it still
        exists); with `checks`, only those checks."""
        run_id = self.resolve_run(given)
        run, suite, subjects = self._load(run_id)
        if suite.source.endswith(".toml") and Path(suite.source).is_file():
            suite = suite_files.read_suite_file(Path(suite.source))
        only = set(checks) if checks else None
        if only is not None:
            known = {s.key for c in suite.cases for s in suite.checks_for(c)}
            unknown = sorted(only - known)
            if unknown:
                raise UsageError(f"no check named {', '.join(unknown)} in suite {suite.name} "
                                 f"(its checks: {', '.join(sorted(known))})",
                                 "name checks by their name or type")
        rows.delete_scores(self.store, run_id, sorted(only) if only else None)
        cases = {c.id: c for c in suite.cases}
        ctx_dir = Path(suite.source).parent if suite.source.endswith(".toml") else None
        for sample in rows.samples_of(self.store, run_id):
            case = cases.get(sample.case_id)
            if case is not None:
                scores = await score_sample(suite, case, sample,
                                            CheckContext(case, self._gates, ctx_dir),
                                            self.judge, only)
                rows.put_scores(self.store, scores)
        await self._case_judges(run_id, suite, list(cases.values()),
                                [s.label for s in subjects], only)
        return self.report(run_id)
