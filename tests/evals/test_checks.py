"""Every deterministic check on stored samples: the verdict, the score, the reason."""

from __future__ import annotations

import pytest

from ingle.core.evals.checks import CheckContext, code_of, run_check
from ingle.core.evals.models import Case, CheckSpec
from ingle.memory.evals import SampleRow
from ingle.validators.registry import GateRunner
from tests.gate_corpus.toolchain import TOOLS_DIR, gate_settings, require


def sample(output: str, **usage: float) -> SampleRow:
    return SampleRow(run_id="r", case_id="c", subject="s", sample_index=0, cache_key="k",
                     output=output, **usage)


async def verdict(spec: dict, output: str, case: Case | None = None, gates=None, **usage):
    ctx = CheckContext(case or Case(id="c", expected="Paris"), gates)
    return await run_check(CheckSpec.model_validate(spec), sample(output, **usage), ctx)


async def test_text_checks():
    assert (await verdict({"type": "equals"}, " Paris\n")).passed
    assert not (await verdict({"type": "equals"}, "paris")).passed
    assert (await verdict({"type": "equals", "ignore_case": True}, "paris")).passed
    assert (await verdict({"type": "contains", "value": "Par"}, "It is Paris.")).passed
    missing = await verdict({"type": "contains"}, "Lyon")
    assert not missing.passed and missing.reason == "'Paris' not in the reply"
    assert (await verdict({"type": "regex", "pattern": r"^\d+$"}, "x\n42\n")).passed
    bad = await verdict({"type": "regex", "pattern": "("}, "x")
    assert not bad.passed and "bad pattern" in bad.reason


async def test_json_schema_check():
    schema = {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer"}}}
    assert (await verdict({"type": "json_schema", "schema": schema}, '{"x": 3}')).passed
    fenced = 'Sure:\n```json\n{"x": 3}\n```'
    assert (await verdict({"type": "json_schema", "schema": schema}, fenced)).passed
    wrong = await verdict({"type": "json_schema", "schema": schema}, '{"x": "3"}')
    assert not wrong.passed and "breaks the schema at x" in wrong.reason
    prose = await verdict({"type": "json_schema"}, "no JSON here")
    assert not prose.passed and prose.reason.startswith("not JSON")


async def test_python_callable_check():
    ok = await verdict({"type": "python", "function": "tests.evals.evalhelper_mod:mentions_both"},
                       "red and blue")
    assert ok.passed and ok.reason == "both colours"
    scored = {"type": "python", "function": "tests.evals.evalhelper_mod:length_score",
              "threshold": 0.8}
    short = await verdict(scored, "abcde")
    assert not short.passed and short.score == 0.5
    assert (await verdict(scored, "abcdefghij")).passed
    broken = await verdict({"type": "python", "function": "no_such_module:f"}, "x")
    assert not broken.passed and "ModuleNotFoundError" in broken.reason


async def test_tests_check_runs_a_command_in_a_temp_dir_with_a_time_limit():
    case = Case(id="c", files={"test_it.py": "from solution import f\n\n"
                                             "def test_f():\n    assert f() == 1\n"})
    spec = {"type": "tests", "command": "{python} -m pytest -q -p no:cacheprovider",
            "timeout_s": 120}
    good = await verdict(spec, "```python\ndef f():\n    return 1\n```", case)
    assert good.passed, good.reason
    bad = await verdict(spec, "```python\ndef f():\n    return 2\n```", case)
    assert not bad.passed and "exit 1" in bad.reason
    loop = {"type": "tests", "command": "{python} solution.py", "timeout_s": 1}
    stuck = await verdict(loop, "```python\nwhile True:\n    pass\n```", case)
    assert not stuck.passed and stuck.reason == "timed out after 1s"


async def test_ceiling_checks():
    assert (await verdict({"type": "latency", "max": 2}, "x", latency_s=1.5)).passed
    slow = await verdict({"type": "latency", "max": 2}, "x", latency_s=2.5)
    assert not slow.passed and slow.reason == "2.5 s (over 2)"
    assert (await verdict({"type": "visible_tokens", "max": 10}, "x", output_tokens=30,
                          thinking_tokens=25)).passed
    assert not (await verdict({"type": "thinking_tokens", "max": 10}, "x", output_tokens=30,
                              thinking_tokens=25)).passed
    assert not (await verdict({"type": "cost", "max": 0.01}, "x", cost_usd=0.02)).passed


async def test_a_failed_call_fails_every_check():
    result = await run_check(CheckSpec(type="contains", value="x"),
                             sample("x").model_copy(update={"error": "server down"}),
                             CheckContext(Case(id="c")))
    assert not result.passed and result.reason == "no reply: server down"


def test_code_of_prefers_the_named_language():
    reply = "```text\nnotes\n```\n\n```py\nprint(1)\n```"
    assert code_of(reply, "python") == "print(1)\n"
    assert code_of("plain") == "plain"


@pytest.mark.toolchain
async def test_gates_check_with_the_real_python_gate():
    require("ruff")
    runner = GateRunner(gate_settings(), tools_dir=TOOLS_DIR)
    try:
        clean = await verdict({"type": "gates"}, "```python\nx = 1\nprint(x)\n```",
                              gates=lambda: runner)
        assert clean.passed and clean.reason == "python clean"
        broken = await verdict({"type": "gates", "language": "python"},
                               "```python\nprint(undefined_name)\n```", gates=lambda: runner)
        assert not broken.passed and "python failed" in broken.reason
    finally:
        await runner.aclose()


@pytest.mark.toolchain
async def test_browser_check_with_headless_chromium():
    require("chromium")
    runner = GateRunner(gate_settings(), tools_dir=TOOLS_DIR)
    try:
        page = "<!doctype html><html><body><p>hi</p></body></html>"
        clean = await verdict({"type": "browser"}, f"```html\n{page}\n```", gates=lambda: runner)
        assert clean.passed, clean.reason
        bad = "<!doctype html><html><body><script>nope(</script></body></html>"
        broken = await verdict({"type": "browser"}, f"```html\n{bad}\n```", gates=lambda: runner)
        assert not broken.passed and "browser failed" in broken.reason
    finally:
        await runner.aclose()
