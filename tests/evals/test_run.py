"""Running suites against the fake Ollama: samples, scores, metrics, cache, resume, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.evals.service import EvalService
from ingle.memory import evals as rows
from tests.evals.helpers import by_prompt, chat_bodies, ingle, open_workbench, write_suite
from tests.fakes.script import Reply

SUITE = '''
description = "two cases"
samples = 2
personas = ["my-generalist"]
[thresholds]
"pass@1" = 0.75
[[cases]]
id = "capital"
prompt = "Capital of France? One word."
expected = "Paris"
checks = [{ type = "contains", must_pass = true }]
[[cases]]
id = "number"
prompt = "Say the number {n}."
vars = { n = "42" }
checks = [{ type = "regex", pattern = "\\\\b42\\\\b" }, { type = "latency", max = 600 }]
'''


@pytest.fixture
def suite_dir(ingle_home: Path) -> Path:
    directory = ingle_home / "config" / "evals"
    directory.mkdir(parents=True)
    write_suite(directory, "basic", SUITE)
    return directory


async def test_run_stores_samples_scores_and_metrics(fake_ollama, suite_dir):
    fake_ollama.respond_with(by_prompt({"France": "Paris", "number 42": "It is 41."}))
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite("basic")
        subjects = service.subjects(suite, None, ["qwen3:8b", "qwen3:4b"])
        report = await service.run(suite, subjects)
    finally:
        await wb.aclose()
    # 2 cases x 2 subjects x 2 samples, each asked once
    assert len(chat_bodies(fake_ollama)) == 8
    assert [s.subject for s in report.subjects] == [
        "my-generalist@1 x qwen3:8b", "my-generalist@1 x qwen3:4b"]
    metrics = report.subjects[0].metrics
    assert metrics["pass@1"] == 0.5 and metrics["pass@2"] == 0.5 and metrics["pass^2"] == 0.5
    assert report.subjects[0].failed_thresholds == ["pass@1 0.5 < 0.75"]
    wb = open_workbench()
    samples = rows.samples_of(wb.store, report.run.id)
    scores = rows.scores_of(wb.store, report.run.id)
    wb.store.close()
    assert len(samples) == 8 and {s.sample_index for s in samples} == {0, 1}
    sample = next(s for s in samples if s.case_id == "number")
    request = json.loads(sample.request_json)
    assert request["messages"][-1]["content"] == "Say the number 42."  # vars filled in
    assert request["messages"][0]["role"] == "system"  # the persona's prompt, as sent
    assert sample.output == "It is 41." and sample.output_tokens == 10 and sample.endpoint == "local"
    assert sample.model_digest  # the fake's /api/tags digest
    assert {(s.check_name, s.passed) for s in scores if s.sample_id == sample.id} == {
        ("regex", False), ("latency", True)}


async def test_cache_reuses_same_index_and_keeps_repeats(fake_ollama, suite_dir):
    fake_ollama.respond_with(by_prompt({"France": "Paris", "number": "42"}))
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite("basic")
        subjects = service.subjects(suite)
        first = await service.run(suite, subjects, samples=2)
        asked = len(chat_bodies(fake_ollama))
        second = await service.run(suite, subjects, samples=3)
        samples = rows.samples_of(wb.store, second.run.id)
    finally:
        await wb.aclose()
    assert asked == 4
    # indices 0 and 1 come from the cache; index 2 is a new request per case
    assert len(chat_bodies(fake_ollama)) == asked + 2
    cached = [s for s in samples if s.cached_from is not None]
    assert sorted((s.case_id, s.sample_index) for s in cached) == [
        ("capital", 0), ("capital", 1), ("number", 0), ("number", 1)]
    assert second.subjects[0].metrics["pass@1"] == 1.0
    assert first.run.id != second.run.id


async def test_errors_are_stored_and_retried_on_resume(fake_ollama, suite_dir):
    fake_ollama.models.pop("qwen3:4b")
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite("basic")
        fake_ollama.respond_with(by_prompt({"France": "Paris", "number": "42"}))
        report = await service.run(suite, service.subjects(suite, None, ["qwen3:4b"]))
        samples = rows.samples_of(wb.store, report.run.id)
        assert all("qwen3:4b" in s.error for s in samples) and len(samples) == 4
        assert report.subjects[0].metrics["pass@1"] == 0.0
        assert report.subjects[0].metrics["errors"] == 4.0
        from tests.fakes.ollama_server import FakeModel
        fake_ollama.models["qwen3:4b"] = FakeModel(name="qwen3:4b")
        resumed = await service.resume(report.run.id[:12])
    finally:
        await wb.aclose()
    assert resumed.subjects[0].metrics["pass@1"] == 1.0
    assert resumed.run.stored == 4


def test_cli_run_json_and_exit_status(fake_ollama, suite_dir):
    fake_ollama.respond_with(by_prompt({"France": "Paris", "number": "42"}))
    done = ingle("eval", "run", "basic", "--samples", "1", "--format", "json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["subjects"][0]["pass@1"] == 1.0
    assert out["subjects"][0]["subject"] == "my-generalist@1 x qwen3:8b"
    assert "[2/2]" in done.stderr  # progress lines on stderr, not a terminal
    # the same requests come from the cache; the changed expectation makes case 1 fail
    (suite_dir / "basic.toml").write_text(SUITE.replace('"Paris"', '"Lyon"'))
    failing = ingle("eval", "run", "basic", "--samples", "1", "--limit", "1")
    assert failing.returncode == 1
    assert "threshold failed" in failing.stderr
    assert "pass@1" in failing.stdout and "my-generalist@1 x qwen3:8b" in failing.stdout
    listed = json.loads(ingle("eval", "ls", "--json").stdout)
    assert [r["suite"] for r in listed] == ["basic", "basic"]
    assert listed[0]["planned"] == 1 and listed[1]["planned"] == 2
    base, cand = listed[1]["id"], listed[0]["id"]
    diff = ingle("eval", "diff", base, cand, "--json")
    assert diff.returncode == 1
    assert json.loads(diff.stdout)["regressed"] == 1
    same = ingle("eval", "diff", base, base)
    assert same.returncode == 0 and "0 regressed" in same.stdout
    report = ingle("eval", "report", base, "--json")
    assert json.loads(report.stdout)["run"]["id"] == base


def test_cli_bad_input(fake_ollama, suite_dir):
    missing = ingle("eval", "run", "nope")
    assert missing.returncode == 2
    assert "no suite named 'nope'" in missing.stderr and "basic" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) <= 2
    assert ingle("eval", "report", "zzz").returncode == 2
    bad_persona = ingle("eval", "run", "basic", "--personas", "no-such")
    assert bad_persona.returncode == 2 and "no persona named" in bad_persona.stderr
    assert ingle("eval", "run", "basic", "--samples", "0").returncode == 2
    (suite_dir / "broken.toml").write_text('[[cases]]\nid = "a"\ncheks = []\n')
    broken = ingle("eval", "run", "broken")
    assert broken.returncode == 2 and "cheks" in broken.stderr


async def test_persona_versions_are_subjects(fake_ollama, suite_dir):
    from ingle.core.lab.versions import save_version

    fake_ollama.respond_with(by_prompt({"France": "Paris", "number": "42"}))
    wb = open_workbench()
    try:
        current = wb.personas.get("my-generalist").persona
        save_version(wb.store, wb.personas, current.model_copy(update={"role": "Be terse."}),
                     "terser role")
        service = EvalService(wb)
        suite = service.load_suite("basic")
        subjects = service.subjects(suite, ["my-generalist@1", "my-generalist@2"])
        report = await service.run(suite, subjects, samples=1)
        with pytest.raises(Exception, match="no version '9'"):
            service.subjects(suite, ["my-generalist@9"])
    finally:
        await wb.aclose()
    assert [s.subject for s in report.subjects] == [
        "my-generalist@1 x qwen3:8b", "my-generalist@2 x qwen3:8b"]
    systems = {b["messages"][0]["content"] for b in chat_bodies(fake_ollama)}
    assert len(systems) == 2 and any("Be terse." in s for s in systems)


async def test_pass_within_r_repairs_feeds_the_failed_checks_back(fake_ollama, suite_dir):
    write_suite(suite_dir, "repair", '''
repairs = 2
[[cases]]
id = "capital"
prompt = "Capital of France?"
expected = "Paris"
checks = [{ type = "contains" }]
''')

    def respond(request):  # noqa: ANN001, ANN202
        feedback = [m["content"] for m in request.json["messages"]
                    if "Your answer failed these checks" in m["content"]]
        return Reply(text="Paris" if feedback else "Lyon")

    fake_ollama.respond_with(respond)
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite("repair")
        report = await service.run(suite, service.subjects(suite))
        samples = rows.samples_of(wb.store, report.run.id)
    finally:
        await wb.aclose()
    metrics = report.subjects[0].metrics
    assert metrics["pass@1"] == 0.0 and metrics["pass_within_2_repairs"] == 1.0
    assert [(s.attempt, s.output) for s in samples] == [(0, "Lyon"), (1, "Paris")]
    repaired = json.loads(samples[1].request_json)["messages"]
    assert repaired[-2] == {"role": "assistant", "content": "Lyon"}
    assert "'Paris' not in the reply" in repaired[-1]["content"]


def test_a_model_that_never_answered_is_named_not_just_scored_zero(fake_ollama, suite_dir):
    done = ingle("eval", "run", "basic", "--samples", "1", "--models", "nosuch:1b")
    assert done.returncode == 1  # the threshold fails
    (line,) = [x for x in done.stdout.splitlines() if "got no reply" in x]
    assert line.strip().startswith("2 sample(s) of my-generalist@1 x nosuch:1b got no reply:")
    assert "'nosuch:1b'" in line and "not found" in line
    run_id = json.loads(ingle("eval", "ls", "--json").stdout)[0]["id"]
    subject = json.loads(ingle("eval", "report", run_id, "--json").stdout)["subjects"][0]
    assert subject["errors"] == 2 and "nosuch:1b" in subject["first_error"]
