"""Eval suite runs and benchmarks as jobs: one step per case x subject x sample."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ingle.core.backends.errors import BackendError
from ingle.core.evals.service import EvalService
from ingle.core.evals.steps import RunSnapshot, SampleKey, SampleResult
from ingle.core.jobs.kinds.base import Advance, JobKind, Params, Plan
from ingle.memory import evals as erows
from ingle.memory import jobs as q
from ingle.memory.jobs import JobRow, NewStep, StepRow


class EvalParams(Params):
    suite: str
    personas: list[str] | None = None
    models: list[str] | None = None
    samples: int | None = Field(None, ge=1)
    limit: int | None = Field(None, ge=1)
    # Compare with the previous run of the same schedule (as `ingle eval diff` does).
    compare: bool = False


class EvalKind(JobKind):
    name = "eval"
    summary = "an eval suite over personas x models (the options of `ingle eval run`)"
    params_model = EvalParams
    portable = True

    def __init__(self, workbench: Any) -> None:
        super().__init__(workbench)
        self.service = EvalService(workbench)

    async def plan(self, params: EvalParams, now: float) -> Plan:
        suite = self.service.load_suite(params.suite)
        subjects = self.service.subjects(suite, params.personas, params.models)
        run_id, keys = self.service.plan_run(suite, subjects, samples=params.samples,
                                             limit=params.limit)
        steps = [NewStep(payload=k.model_dump(), model=subjects[k.subject].model) for k in keys]
        title = f"{self.name} {suite.name}: " + ", ".join(s.label for s in subjects)
        snapshot = self.service.run_snapshot(run_id).model_dump(mode="json")
        return Plan(title=title, steps=steps, state={"run_id": run_id, "snapshot": snapshot})

    async def compute(self, job: JobRow, step: StepRow, endpoint: str | None) -> Any:
        snapshot = RunSnapshot.model_validate(job.state["snapshot"])
        result = await self.service.compute_sample(SampleKey(**step.payload), endpoint, snapshot)
        return result.model_dump(mode="json")

    def record(self, job: JobRow, step: StepRow, result: Any, done: int, total: int) -> None:
        self.service.record_sample(SampleResult.model_validate(result), done, total)

    async def advance(self, job: JobRow, steps: list[StepRow]) -> Advance:
        run_id = job.state["run_id"]
        report = await self.service.finish_run(run_id)
        result: dict[str, Any] = {"run_id": run_id,
                                  "passed_thresholds": report.passed_thresholds}
        if self.params(job).compare and job.parent_id is not None:
            earlier = [j for j in q.children(self.wb.store, job.parent_id)
                       if j.id < job.id and j.status == "done" and j.result.get("run_id")]
            if earlier:
                diff = self.service.diff(earlier[-1].result["run_id"], run_id)
                result["diff"] = {"base": diff.base, "cand": diff.cand,
                                  "improved": diff.improved, "regressed": diff.regressed,
                                  "unchanged": diff.unchanged}
        failed = sum(s.status == "failed" for s in steps)
        return Advance(result=result, error=f"{failed} steps failed" if failed else "")


    def cancelled(self, job: JobRow) -> None:
        if job.state.get("run_id"):
            erows.set_run_status(self.wb.store, job.state["run_id"], "interrupted")


class BenchmarkParams(Params):
    suite: str
    personas: list[str] | None = None
    samples: int | None = Field(None, ge=1)
    limit: int | None = Field(None, ge=1)


class BenchmarkKind(EvalKind):
    name = "benchmark"
    summary = "an eval suite over every installed model"
    params_model = BenchmarkParams  # type: ignore[assignment]

    async def plan(self, params: BenchmarkParams, now: float) -> Plan:  # type: ignore[override]
        models = await installed_models(self.wb)
        return await super().plan(EvalParams(suite=params.suite, personas=params.personas,
                                             models=models, samples=params.samples,
                                             limit=params.limit), now)

    def params(self, job: JobRow) -> Any:
        return EvalParams(**{k: v for k, v in job.params.items() if k in EvalParams.model_fields})


async def installed_models(workbench: Any) -> list[str]:
    """Every model installed on any configured endpoint (the ones that list models)."""
    from ingle.core.errors import UsageError

    found: list[str] = []
    for name in workbench.settings.endpoints:
        backend = workbench.pool.backend(name)
        if not hasattr(backend, "list_models"):
            continue
        try:
            listed = await backend.list_models()
        except BackendError:
            continue
        found += [m.name for m in listed if m.name not in found]
    if not found:
        raise UsageError("no installed models found on any endpoint",
                         "`ingle models` lists them; `ollama pull qwen3:8b` installs one")
    return found
