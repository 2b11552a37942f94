"""`ingle persona refine`: an improving candidate becomes the next version; a candidate that
scores higher but breaks a must-pass check, or one that does not improve, is rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.memory import evals as rows
from tests.evals.helpers import open_workbench, write_suite
from tests.fakes.script import RecordedRequest, Reply

SUITE = '''
[[cases]]
id = "t1"
prompt = "Say 44."
checks = [{ type = "contains", value = "44" }]
[[cases]]
id = "h1"
split = "holdout"
prompt = "Capital of France?"
checks = [{ type = "contains", value = "Paris", must_pass = true }]
[[cases]]
id = "h2"
split = "holdout"
prompt = "Say 42."
checks = [{ type = "contains", value = "42" }]
[[cases]]
id = "h3"
split = "holdout"
prompt = "Say 43."
checks = [{ type = "contains", value = "43" }]
'''
ANSWERS = {"MARKER-GOOD": "Paris 42 43 44", "MARKER-BAD": "Lyon 42 43 44", "MARKER-MEH": "Paris"}


def scripted(markers: list[str]):
    def respond(request: RecordedRequest) -> Reply:
        body = request.json
        if "format" in body:  # the proposer
            candidates = [{"role": f"{m}: you answer tersely.", "constraints": "- be exact",
                           "format": "plain text", "rationale": f"try {m}"} for m in markers]
            return Reply(text=json.dumps({"candidates": candidates}))
        system = body["messages"][0]["content"]
        for marker, answer in ANSWERS.items():
            if marker in system:
                return Reply(text=answer)
        return Reply(text="Paris")  # the current persona: h1 passes, t1/h2/h3 fail
    return respond


@pytest.fixture
def suite(ingle_home: Path) -> None:
    (ingle_home / "config" / "evals").mkdir(parents=True)
    write_suite(ingle_home / "config" / "evals", "refine", SUITE)


def test_refine_accepts_an_improvement_and_saves_the_next_version(fake_ollama, suite, capsys):
    fake_ollama.respond_with(scripted(["MARKER-BAD", "MARKER-MEH", "MARKER-GOOD"]))
    assert main(["persona", "refine", "my-generalist", "--suite", "refine"]) == 0
    out, err = capsys.readouterr()
    assert "round 1 candidate 1: 0.667 (current 0.333) regresses must-pass h1:contains" in out
    assert "round 1 candidate 2: 0.333 (current 0.333) no improvement" in out
    assert "round 1 candidate 3: 1.000 (current 0.333) accepted: try MARKER-GOOD" in out
    assert "saved my-generalist@2" in out
    assert "refine: 1 failures; asking my-architect for 3 candidates" in err
    proposer = [r.json for r in fake_ollama.requests_to("/api/chat") if "format" in r.json]
    assert len(proposer) == 1 and proposer[0]["model"] == "qwen3:14b"
    assert "case t1, check contains" in proposer[0]["messages"][-1]["content"]
    wb = open_workbench()
    try:
        saved = wb.personas.get("my-generalist")
        assert saved.version_number == 2 and saved.persona.role.startswith("MARKER-GOOD")
        kept = rows.candidates_of(wb.store, "my-generalist")
        assert [(c.idx, c.accepted) for c in kept] == [(1, False), (2, False), (3, True)]
        assert all(c.run_id for c in kept)
        from ingle.core.lab.versions import list_versions
        latest = list_versions(wb.store, wb.personas, "my-generalist")[-1]
        assert latest.author == "evaluator" and "0.333 -> 1.000" in latest.changelog
    finally:
        wb.store.close()


def test_refine_rejects_a_must_pass_regression(fake_ollama, suite, capsys):
    fake_ollama.respond_with(scripted(["MARKER-BAD", "MARKER-MEH", "MARKER-MEH"]))
    assert main(["persona", "refine", "my-generalist", "--suite", "refine", "--json"]) == 1
    outcome = json.loads(capsys.readouterr().out)
    assert not outcome["accepted"] and outcome["saved_version"] is None
    assert outcome["stopped"] == "no candidate improved without a regression"
    assert [c["verdict"] for c in outcome["candidates"]] == [
        "regresses must-pass h1:contains", "no improvement", "no improvement"]
    wb = open_workbench()
    try:
        assert wb.personas.get("my-generalist").version_number == 1
        assert len(rows.candidates_of(wb.store, "my-generalist")) == 3
    finally:
        wb.store.close()


def test_refine_bad_input(fake_ollama, suite, capsys):
    assert main(["persona", "refine", "nobody", "--suite", "refine"]) == 2
    assert "no persona named 'nobody'" in capsys.readouterr().err
    assert main(["persona", "refine", "my-generalist", "--suite", "refine",
                 "--candidates", "9"]) == 2
