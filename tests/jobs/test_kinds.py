"""Every job kind through the CLI and the runner against the fake Ollama: refine (one
candidate per step), benchmark (a suite over every installed model), memory
consolidation; and a job prefers the model already loaded."""

from __future__ import annotations

import json
from pathlib import Path

from ingle.core.frontends.cli import main
from ingle.core.jobs.executor import LocalExecutor
from ingle.core.jobs.runner import JobRunner
from ingle.core.jobs.service import JobsService
from ingle.core.memories.service import MemoryService
from ingle.core.workbench import Workbench
from ingle.memory import evals as erows
from ingle.memory import jobs as q
from tests.evals.helpers import by_prompt, write_suite
from tests.evals.test_refine import SUITE as REFINE_SUITE
from tests.evals.test_refine import scripted
from tests.fakes.script import Reply
from tests.jobs.helpers import SwitchGate, write_basic_suite

ANSWERS = {"France": "Paris", "number 42": "It is 42."}


def _job(capsys) -> dict:
    capsys.readouterr()
    main(["jobs", "show", "1", "--json"])
    return json.loads(capsys.readouterr().out)


def test_a_refine_job_runs_one_candidate_per_step_and_saves_the_winner(
        fake_ollama, ingle_home: Path, capsys):
    (ingle_home / "config" / "evals").mkdir(parents=True)
    write_suite(ingle_home / "config" / "evals", "refine", REFINE_SUITE)
    fake_ollama.respond_with(scripted(["MARKER-BAD", "MARKER-MEH", "MARKER-GOOD"]))
    assert main(["jobs", "add", "refine", "my-generalist", "--suite", "refine"]) == 0
    assert main(["jobs", "run", "--once"]) == 0
    shown = _job(capsys)
    ops = [(s["stage"], s["payload"]["op"], s["status"]) for s in shown["steps"]]
    assert ops == [(0, "propose", "done"), (1, "candidate", "done"), (1, "candidate", "done"),
                   (1, "candidate", "done")]
    result = shown["job"]["result"]
    assert shown["job"]["status"] == "done"
    assert result["accepted"] is True and result["saved_version"] == 2
    wb = Workbench.open(None)
    try:
        saved = wb.personas.get("my-generalist")
        assert saved.version_number == 2 and saved.persona.role.startswith("MARKER-GOOD")
        kept = erows.candidates_of(wb.store, "my-generalist")
        assert [(c.idx, c.accepted, c.verdict) for c in kept] == [
            (1, False, "regresses must-pass h1:contains"), (2, False, "no improvement"),
            (3, True, "improves")]
    finally:
        wb.store.close()


def test_a_benchmark_runs_the_suite_over_every_installed_model(fake_ollama, ingle_home,
                                                                 capsys):
    write_basic_suite(ingle_home)
    fake_ollama.respond_with(by_prompt(ANSWERS))
    assert main(["jobs", "add", "benchmark", "basic", "--limit", "1", "--samples", "1"]) == 0
    assert main(["jobs", "run", "--once"]) == 0
    shown = _job(capsys)
    assert shown["job"]["status"] == "done" and shown["job"]["total"] == 4
    capsys.readouterr()
    assert main(["eval", "report", shown["job"]["result"]["run_id"], "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(s["model"] for s in report["run"]["subjects"]) == sorted(fake_ollama.models)


async def test_a_consolidation_job_merges_with_one_call_per_step(fake_ollama, ingle_home):
    wb = Workbench.open(None)
    try:
        memories = MemoryService(wb)
        ids = [memories.add("my-coder", t).memory.id for t in (
            "The user deploys on Fridays", "The user deploys to production on Fridays")]
        fake_ollama.script(Reply(text=json.dumps({"merged": [
            {"group": 1, "text": "The user deploys to production on Fridays"}]})))
        job_id = await JobsService(wb).add("consolidate", {"personas": ["my-coder"]})
        await JobRunner(wb, SwitchGate(), LocalExecutor(wb)).run(once=True)
        job = q.get_job(wb.store, job_id)
        assert job.status == "done" and job.result["superseded"] == 1
        assert memories.get(ids[0]).superseded_by == ids[1]
        assert len(fake_ollama.requests_to("/api/chat")) == 1
    finally:
        await wb.aclose()


async def test_a_job_prefers_the_model_already_loaded(fake_ollama, ingle_home):
    write_basic_suite(ingle_home)
    fake_ollama.models["qwen3:4b"].loaded = True
    fake_ollama.respond_with(by_prompt(ANSWERS))
    wb = Workbench.open(None)
    try:
        await JobsService(wb).add("eval", {"suite": "basic", "models": ["qwen3:8b", "qwen3:4b"]})
        await JobRunner(wb, SwitchGate(), LocalExecutor(wb)).run(once=True)
    finally:
        await wb.aclose()
    asked = [r.json["model"] for r in fake_ollama.requests_to("/api/chat")
             if r.json.get("messages")]
    # the suite lists qwen3:8b first; the loaded qwen3:4b's four samples go first
    assert asked[:4] == ["qwen3:4b"] * 4 and sorted(asked[4:]) == ["qwen3:8b"] * 4
