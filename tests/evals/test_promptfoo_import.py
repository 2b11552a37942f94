"""`ingle eval import FILE.yaml`: promptfoo configs (real YAML files in tests/evals/promptfoo/)
become Ingle suites that run; what cannot come over is named and nothing is written."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from ingle.memory import evals as rows
from tests.evals.helpers import open_workbench
from tests.fakes.script import RecordedRequest, Reply

pytest.importorskip("yaml", reason="PyYAML comes with the test and evals extras")

HERE = Path(__file__).parent / "promptfoo"


def imported(ingle_home: Path, name: str) -> dict:
    return tomllib.loads((ingle_home / "config" / "evals" / f"{name}.toml").read_text())


def test_prompts_providers_tests_and_asserts_become_a_suite(ingle_home, capsys):
    assert main(["eval", "import", str(HERE / "translate.yaml"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["name"] == "translate" and result["cases"] == 8  # 2 prompts x (1 + 2 + 1)
    assert result["models"] == ["qwen3:8b", "qwen3:14b"]
    assert "providers[1]: config num_predict not carried over (the persona's settings apply)" in result["notes"]
    suite = imported(ingle_home, "translate")
    assert suite["temperature"] == 0.2 and suite["description"] == "Translation prompts on two local models"
    assert suite["checks"] == [{"type": "regex", "name": "default-not-icontains",
                                "pattern": "\\A(?![\\s\\S]*as\\ an\\ AI)", "ignore_case": True}]
    ids = [c["id"] for c in suite["cases"]]
    assert ids == ["p1-t1", "p2-t1", "p1-t2-1", "p1-t2-2", "p2-t2-1", "p2-t2-2", "p1-t3", "p2-t3"]
    first = suite["cases"][0]
    assert first["prompt"] == "You are a translator.\nTranslate the text into {language}.\nText: {input}\n"
    assert first["vars"] == {"language": "French", "input": "Hello world"}
    assert first["checks"] == [
        {"type": "contains", "name": "icontains", "value": "bonjour", "ignore_case": True},
        {"type": "regex", "name": "regex", "pattern": "^[^\\n]{1,40}$"}]
    assert suite["cases"][1]["prompt"] == "Translate into {language}, answer with the translation only: {input}"
    assert [c["vars"]["language"] for c in suite["cases"][2:6]] == ["German", "Dutch"] * 2
    assert suite["cases"][2]["checks"][1] == {"type": "latency", "name": "latency", "max": 30.0}
    spanish = suite["cases"][6]["checks"]
    assert spanish[0] == {"type": "equals", "name": "equals", "value": "Sí", "ignore_case": False}
    assert spanish[1] == {"type": "regex", "name": "starts-with", "pattern": "\\AS"}
    assert spanish[2] == {"type": "rubric", "name": "llm-rubric",
                          "rubric": "A correct, natural Spanish translation", "threshold": 0.5}


ANSWERS = {"French": "Bonjour le monde", "German": "Danke", "Dutch": "Dank je", "Spanish": "Sí"}


def translator(request: RecordedRequest) -> Reply:
    body = request.json
    if body.get("format"):  # the rubric judge
        return Reply(text='{"score": 0.9, "reason": "natural"}')
    asked = body["messages"][-1]["content"]
    answer = next((a for lang, a in ANSWERS.items() if lang in asked), "?")
    # qwen3:14b apologises like a chatbot: the default not-icontains check fails it
    return Reply(text=answer if body["model"] == "qwen3:8b" else f"As an AI, {answer}")


def test_the_imported_suite_runs_with_its_checks(ingle_home, fake_ollama, capsys):
    fake_ollama.respond_with(translator)
    assert main(["eval", "import", str(HERE / "translate.yaml")]) == 0
    out = capsys.readouterr().out
    assert "imported 8 case(s) over qwen3:8b, qwen3:14b as suite translate:" in out
    assert "run it: ingle eval run translate" in out
    assert main(["eval", "run", "translate", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_subject = {s["subject"]: s["pass@1"] for s in report["subjects"]}
    assert by_subject == {"my-generalist@1 x qwen3:8b": 1.0, "my-generalist@1 x qwen3:14b": 0.0}
    wb = open_workbench()
    try:
        run_id = report["run"]["id"]
        samples = {s.id: s for s in rows.samples_of(wb.store, run_id)}
        failed = {(samples[s.sample_id].model, s.check_name) for s in rows.scores_of(wb.store, run_id)
                  if not s.passed and not s.skipped}
    finally:
        wb.store.close()
    assert ("qwen3:14b", "default-not-icontains") in failed
    assert not [f for f in failed if f[0] == "qwen3:8b"]
    chat = [r.json for r in fake_ollama.requests_to("/api/chat") if not r.json.get("format")]
    assert {b["options"]["temperature"] for b in chat} == {0.2}  # the provider's temperature


def test_a_chat_json_prompt_and_is_json_with_a_schema(ingle_home, fake_ollama, capsys):
    fake_ollama.respond_with(lambda request: Reply(text='{"country": "France"}'))
    assert main(["eval", "import", str(HERE / "json_chat.yaml"), "--name", "where"]) == 0
    case = imported(ingle_home, "where")["cases"][0]
    assert case["messages"] == [
        {"role": "system", "content": "Answer in JSON only."},
        {"role": "user", "content": 'Which country is Paris in? Reply as {"country": ...}'}]
    assert case["checks"][0]["schema"]["required"] == ["country"]
    assert case["checks"][1] == {"type": "regex", "name": "not-regex",
                                 "pattern": "\\A(?![\\s\\S]*(?:```))", "weight": 2.0}
    capsys.readouterr()
    assert main(["eval", "run", "where", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["subjects"][0]["pass@1"] == 1.0


def test_unsupported_parts_are_named_and_nothing_is_written(ingle_home, capsys):
    assert main(["eval", "import", str(HERE / "unsupported.yaml")]) == 2
    err = capsys.readouterr().err
    assert "cannot import 5 part(s) of the promptfoo config, nothing was written" in err
    assert "prompts[0]: uses Nunjucks beyond {{ var }}" in err
    assert "providers[1]: 'openai:gpt-4o-mini': only ollama:chat:MODEL providers are imported" in err
    assert ("tests[0].assert[1]: javascript asserts run Node code, and Ingle runs no JavaScript "
            "from a suite: rewrite it as a `python` check (module:function)") in err
    assert "tests[0].assert[2]: promptfoo's python asserts" in err
    assert "tests[0].assert[3]: assert type 'similar' is not supported (supported: equals," in err
    assert not (ingle_home / "config" / "evals").exists()


def test_an_existing_suite_is_kept_unless_forced(ingle_home, tmp_path, capsys):
    out = tmp_path / "mine.toml"
    out.write_text("# my own suite\n")
    assert main(["eval", "import", str(HERE / "json_chat.yaml"), "--out", str(out)]) == 2
    assert "already exists; nothing was written" in capsys.readouterr().err
    assert out.read_text() == "# my own suite\n"
    assert main(["eval", "import", str(HERE / "json_chat.yaml"), "--out", str(out), "--force"]) == 0
    assert tomllib.loads(out.read_text())["name"] == "json_chat"
    assert main(["eval", "import", str(tmp_path / "missing.yaml")]) == 2
    assert "no promptfoo config" in capsys.readouterr().err


def test_import_is_in_the_help(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    assert "import" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["eval", "import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "javascript" in text and "llm-rubric (a rubric judge)" in text
