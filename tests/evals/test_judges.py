"""Judges against the fake servers: schema-forced rubric scores, must-pass skipping the
judge, pairwise in both orders with ties, select-best, and Claude as the judge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.evals.service import EvalService
from ingle.memory import evals as rows
from tests.evals.helpers import last_user, open_workbench, write_suite
from tests.fakes.script import RecordedRequest, Reply

SUITE = '''
personas = ["my-generalist"]
[[cases]]
id = "greet"
prompt = "Greet the user politely."
checks = [
  { type = "contains", value = "Hello", must_pass = true },
  { type = "rubric", rubric = "Polite and short.", judge = "my-reviewer", threshold = 0.5 },
]
'''


def is_judge(request: RecordedRequest) -> bool:
    return "format" in request.json or "output_config" in request.json


@pytest.fixture
def suites(ingle_home: Path) -> Path:
    directory = ingle_home / "config" / "evals"
    directory.mkdir(parents=True)
    return directory


async def run(name: str, models: list[str] | None = None):
    wb = open_workbench()
    try:
        service = EvalService(wb)
        suite = service.load_suite(name)
        report = await service.run(suite, service.subjects(suite, None, models))
        scores = rows.scores_of(wb.store, report.run.id)
        samples = {s.id: s for s in rows.samples_of(wb.store, report.run.id)}
        return report, scores, samples
    finally:
        await wb.aclose()


async def test_rubric_score_is_forced_through_a_schema(fake_ollama, suites):
    write_suite(suites, "greet", SUITE)

    def respond(request: RecordedRequest) -> Reply:
        if is_judge(request):
            return Reply(text=json.dumps({"score": 0.8, "reason": "polite"}))
        return Reply(text="Hello, welcome!")

    fake_ollama.respond_with(respond)
    report, scores, _ = await run("greet")
    judge_calls = [r.json for r in fake_ollama.requests_to("/api/chat") if is_judge(r)]
    assert len(judge_calls) == 1
    schema = judge_calls[0]["format"]
    assert schema["required"] == ["score", "reason"]
    assert "Polite and short." in judge_calls[0]["messages"][-1]["content"]
    rubric = next(s for s in scores if s.kind == "rubric")
    assert rubric.passed and rubric.score == 0.8 and rubric.reason == "polite"
    assert report.subjects[0].metrics["mean_score"] == pytest.approx(0.9)


async def test_a_failed_must_pass_skips_the_judge(fake_ollama, suites):
    write_suite(suites, "greet", SUITE)
    fake_ollama.respond_with(lambda r: Reply(text="Go away."))
    report, scores, _ = await run("greet")
    assert not any(is_judge(r) for r in fake_ollama.requests_to("/api/chat"))
    rubric = next(s for s in scores if s.kind == "rubric")
    assert rubric.skipped and rubric.reason == "not judged: a must-pass check failed"
    assert report.subjects[0].metrics["pass@1"] == 0.0


async def test_a_reply_breaking_the_judge_schema_is_not_a_score(fake_ollama, suites):
    write_suite(suites, "greet", SUITE)

    def respond(request: RecordedRequest) -> Reply:
        return Reply(text='{"score": 7}' if is_judge(request) else "Hello")

    fake_ollama.respond_with(respond)
    _, scores, _ = await run("greet")
    rubric = next(s for s in scores if s.kind == "rubric")
    assert rubric.skipped and not rubric.passed and "judge:" in rubric.reason


PAIRWISE = '''
personas = ["my-generalist"]
[[cases]]
id = "haiku"
prompt = "Write a haiku about rain."
checks = [{ type = "pairwise", judge = "my-reviewer", against = "qwen3:8b", threshold = 0.5 }]
[[cases]]
id = "limerick"
prompt = "Write a limerick about snow."
checks = [{ type = "pairwise", judge = "my-reviewer", against = "qwen3:8b", threshold = 0.5 }]
'''


async def test_pairwise_asks_both_orders_and_allows_ties(fake_ollama, suites):
    write_suite(suites, "pairs", PAIRWISE)

    def respond(request: RecordedRequest) -> Reply:
        if not is_judge(request):
            return Reply(text=f"answer by {request.json['model']}")
        text = last_user(request)
        a = text.split("Answer A:\n")[1].split("\n")[0]
        if "haiku" in text:  # the judge prefers the 4b answer, whichever position it is in
            winner = "A" if "qwen3:4b" in a else "B"
        else:  # position bias: always "A", so the two orders disagree -> a tie
            winner = "A"
        return Reply(text=json.dumps({"winner": winner, "reason": f"picked {winner}"}))

    fake_ollama.respond_with(respond)
    _, scores, samples = await run("pairs", ["qwen3:8b", "qwen3:4b"])
    judged = [r for r in fake_ollama.requests_to("/api/chat") if is_judge(r)]
    assert len(judged) == 4  # two cases x both orders, for the one non-baseline subject
    assert judged[0].json["format"]["properties"]["winner"]["enum"] == ["A", "B", "tie"]
    firsts = {last_user(r).split("Answer A:\n")[1].split("\n")[0] for r in judged}
    assert firsts == {"answer by qwen3:8b", "answer by qwen3:4b"}
    by_case = {samples[s.sample_id].case_id: s for s in scores if s.kind == "pairwise"}
    assert set(by_case) == {"haiku", "limerick"}  # only the 4b subject is compared
    assert by_case["haiku"].score == 1.0 and by_case["haiku"].passed
    # the orders disagree (position bias): neither a win nor a loss
    assert by_case["limerick"].score == 0.5 and by_case["limerick"].passed  # threshold 0.5
    assert sorted(p.split(":")[0] for p in by_case["limerick"].reason.split(" | ")) == [
        "loss", "win"]


async def test_select_best_picks_one_sample_per_case(fake_ollama, suites):
    write_suite(suites, "best", '''
[[cases]]
id = "name"
prompt = "Name a colour."
checks = [{ type = "select_best", judge = "my-reviewer" }]
''')

    def respond(request: RecordedRequest) -> Reply:
        if not is_judge(request):
            return Reply(text="blue" if request.json["model"] == "qwen3:4b" else "grey")
        listing = last_user(request)
        answers = [part.split("\n")[1] for part in listing.split("Answer ")[1:]]
        return Reply(text=json.dumps({"best": answers.index("blue") + 1, "reason": "vivid"}))

    fake_ollama.respond_with(respond)
    _, scores, samples = await run("best", ["qwen3:8b", "qwen3:4b"])
    picked = {samples[s.sample_id].model: s.passed for s in scores if s.kind == "select_best"}
    assert picked == {"qwen3:4b": True, "qwen3:8b": False}


async def test_claude_judges_within_the_cap(fake_ollama, fake_anthropic, suites):
    write_suite(suites, "greet", SUITE.replace('judge = "my-reviewer"', 'judge = "claude"'))
    fake_ollama.respond_with(lambda r: Reply(text="Hello there"))
    fake_anthropic.respond_with(lambda r: Reply(text=json.dumps({"score": 1, "reason": "fine"})))
    _, scores, _ = await run("greet")
    sent = fake_anthropic.requests_to("/v1/messages")
    assert len(sent) == 1 and sent[0].json["output_config"]["format"]["type"] == "json_schema"
    assert next(s for s in scores if s.kind == "rubric").passed


async def test_claude_is_not_asked_past_the_cap(fake_ollama, fake_anthropic, suites, ingle_home):
    (ingle_home / "config").mkdir(exist_ok=True)
    (ingle_home / "config" / "config.toml").write_text("[claude]\ndaily_cap_usd = 0\n")
    write_suite(suites, "greet", SUITE.replace('judge = "my-reviewer"', 'judge = "claude"'))
    fake_ollama.respond_with(lambda r: Reply(text="Hello there"))
    _, scores, _ = await run("greet")
    assert fake_anthropic.requests_to("/v1/messages") == []
    rubric = next(s for s in scores if s.kind == "rubric")
    assert rubric.skipped and "cap is reached" in rubric.reason
