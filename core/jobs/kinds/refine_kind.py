"""A persona refine round as a job: propose, then one candidate per step, then decide."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ingle.core.evals import refine
from ingle.core.evals.service import EvalService
from ingle.core.jobs.kinds.base import Advance, JobKind, Params, Plan
from ingle.memory.jobs import JobRow, NewStep, StepRow


class RefineParams(Params):
    persona: str
    suite: str
    candidates: int = Field(3, ge=3, le=5)
    proposer: str = refine.PROPOSER


class RefineKind(JobKind):
    name = "refine"
    summary = "propose persona rewrites and keep one only if it scores better on the holdout"
    params_model = RefineParams

    def __init__(self, workbench: Any) -> None:
        super().__init__(workbench)
        self.service = EvalService(workbench)

    async def plan(self, params: RefineParams, now: float) -> Plan:
        self.service.load_suite(params.suite)
        self.service.subjects(self.service.load_suite(params.suite), [params.persona])
        model = str(self.wb.personas.get(params.persona).model_ref)
        return Plan(title=f"refine {params.persona} on {params.suite}",
                    steps=[NewStep(payload={"op": "propose"}, model=model)])

    async def compute(self, job: JobRow, step: StepRow, endpoint: str | None) -> Any:
        params: RefineParams = self.params(job)
        suite = self.service.load_suite(params.suite)
        payload = step.payload
        if payload["op"] == "propose":
            proposal = await refine.propose_step(self.service, params.persona, suite,
                                                 proposer=params.proposer,
                                                 candidates=params.candidates)
            return proposal.model_dump(mode="json")
        proposal = refine.Proposal.model_validate(payload["proposal"])
        scored = await refine.candidate_step(self.service, params.persona, suite, proposal,
                                             payload["idx"])
        return scored.model_dump(mode="json")

    async def advance(self, job: JobRow, steps: list[StepRow]) -> Advance:
        params: RefineParams = self.params(job)
        propose = next(s for s in steps if s.payload["op"] == "propose")
        if propose.status != "done":
            return Advance(error=propose.error or "the proposal step failed")
        proposal = refine.Proposal.model_validate(propose.result)
        scored = [s for s in steps if s.payload["op"] == "candidate"]
        if not scored and proposal.proposals:  # one step per candidate
            return Advance(steps=[NewStep(payload={"op": "candidate", "idx": i,
                                                   "proposal": propose.result},
                                          model=propose.model)
                                  for i in range(len(proposal.proposals))])
        scores = [refine.CandidateScore.model_validate(s.result) for s in scored
                  if s.status == "done"]
        outcome = refine.decide(self.service, params.persona,
                                self.service.load_suite(params.suite), proposal, scores)
        return Advance(result={"persona": outcome.persona, "accepted": outcome.accepted,
                               "saved_version": outcome.saved_version,
                               "baseline": outcome.baseline, "best": outcome.best,
                               "stopped": outcome.stopped, "cost_usd": outcome.cost_usd,
                               "runs": [c.run_id for c in outcome.candidates]})
