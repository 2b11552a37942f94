"""Refine's few-shot candidates: examples bootstrapped from passing train outputs and from
the correction log, scored on the holdout split like any candidate (scripted scores)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.core.memories.corrections import CorrectionsService
from ingle.memory import evals as rows
from tests.evals.helpers import open_workbench, write_suite
from tests.fakes.script import RecordedRequest, Reply

SUITE = '''
[[cases]]
id = "t1"
prompt = "Capital of France?"
checks = [{ type = "contains", value = "Paris", must_pass = true }]
[[cases]]
id = "t2"
prompt = "Say 44."
checks = [{ type = "contains", value = "44" }]
[[cases]]
id = "h1"
split = "holdout"
prompt = "Capital of Italy?"
checks = [{ type = "contains", value = "Rome", must_pass = true }]
[[cases]]
id = "h2"
split = "holdout"
prompt = "Say 42."
checks = [{ type = "contains", value = "42" }]
'''
CURRENT = {"Capital of France?": "Paris", "Capital of Italy?": "Rome"}
GOOD = {"Capital of Italy?": "Rome", "Say 42.": "42"}  # holdout 1.0
MILAN = {"Capital of Italy?": "Milan", "Say 42.": "42"}  # 0.5 but h1 (must-pass) lost


def scripted(with_passing: dict[str, str], with_correction: dict[str, str]):
    """The proposer's three rewrites change nothing; a candidate carrying the bootstrapped
    example (France -> Paris) or the correction (Say 44. -> 44) answers as scripted."""
    def respond(request: RecordedRequest) -> Reply:
        body = request.json
        if "format" in body:  # the proposer
            rewrite = {"role": "You answer tersely.", "constraints": "- be exact",
                       "format": "plain text", "rationale": "terser"}
            return Reply(text=json.dumps({"candidates": [rewrite] * 3}))
        said = [m["content"] for m in body["messages"] if m["role"] == "assistant"]
        asked = body["messages"][-1]["content"]
        answers = (with_passing if "Paris" in said else with_correction if "44" in said
                   else CURRENT)
        return Reply(text=answers.get(asked, "no idea"))
    return respond


@pytest.fixture
def suite(ingle_home: Path) -> Path:
    (ingle_home / "config" / "evals").mkdir(parents=True)
    write_suite(ingle_home / "config" / "evals", "shots", SUITE)
    wb = open_workbench()
    try:  # the user once corrected this persona on a similar request
        CorrectionsService(wb.store).record("chat", "Say 44.", "no idea", "44",
                                            source="edited answer", persona="my-generalist")
    finally:
        wb.store.close()
    return ingle_home


def test_a_bootstrapped_candidate_that_improves_is_saved_with_its_examples(fake_ollama, suite, capsys):
    fake_ollama.respond_with(scripted(with_passing=GOOD, with_correction=MILAN))
    assert main(["persona", "refine", "my-generalist", "--suite", "shots", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)
    verdicts = [(c["idx"], c["verdict"], c["accepted"]) for c in outcome["candidates"]]
    assert verdicts == [
        (1, "no improvement", False), (2, "no improvement", False), (3, "no improvement", False),
        (4, "improves", True), (5, "regresses must-pass h1:contains", False)]
    rationale = [c["rationale"] for c in outcome["candidates"]]
    assert rationale[3] == "few-shot: 1 passing output(s) bootstrapped from train case(s) t1"
    assert rationale[4].startswith("few-shot: 1 correction(s) from the correction log (#")
    assert (outcome["baseline"], outcome["best"], outcome["saved_version"]) == (0.5, 1.0, 2)
    # The holdout never feeds the examples: only train outputs and corrections do.
    holdout_asked = [r.json for r in fake_ollama.requests_to("/api/chat")
                     if r.json["messages"][-1]["content"] == "Say 42."]
    assert all("42" not in [m["content"] for m in b["messages"] if m["role"] == "assistant"]
               for b in holdout_asked)
    wb = open_workbench()  # a fresh load: the version is an ordinary persona with its files
    try:
        saved = wb.personas.get("my-generalist")
        assert saved.version_number == 2
        assert ("Capital of France?", "Paris") in saved.example_pairs()
        ref = saved.persona.examples[-1]
        assert ref.startswith("code/refine-my-generalist-")
        assert (suite / "config" / "personas" / "examples" / f"{ref}.toml").is_file()
        kept = rows.candidates_of(wb.store, "my-generalist")
        assert len(kept) == 5 and ref in kept[3].persona_toml
    finally:
        wb.store.close()


def test_a_bootstrapped_candidate_that_regresses_a_must_pass_check_is_rejected(fake_ollama, suite, capsys):
    fake_ollama.respond_with(scripted(with_passing=MILAN, with_correction={"Capital of Italy?": "Rome"}))
    assert main(["persona", "refine", "my-generalist", "--suite", "shots", "--json"]) == 1
    outcome = json.loads(capsys.readouterr().out)
    assert [c["verdict"] for c in outcome["candidates"]][3:] == [
        "regresses must-pass h1:contains", "no improvement"]
    assert not outcome["accepted"] and outcome["saved_version"] is None
    wb = open_workbench()
    try:
        assert wb.personas.get("my-generalist").version_number == 1
        assert not (suite / "config" / "personas" / "examples").exists()  # nothing half-written
    finally:
        wb.store.close()


def test_no_few_shot_proposes_rewrites_only(fake_ollama, suite, capsys):
    fake_ollama.respond_with(scripted(with_passing=GOOD, with_correction=GOOD))
    assert main(["persona", "refine", "my-generalist", "--suite", "shots", "--json",
                 "--no-few-shot"]) == 1
    assert len(json.loads(capsys.readouterr().out)["candidates"]) == 3
