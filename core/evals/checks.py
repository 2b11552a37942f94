"""Deterministic checks: each looks at one stored sample and says passed, a score 0-1, why.

They need no model: equals, contains, regex, JSON against a schema, a Python callable,
the compile/browser gates on the reply's code, a test command in a temporary directory,
and ceilings on latency, visible tokens, hidden thinking tokens and cost.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shlex
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingle.core.evals.code_blocks import ALIASES, code_blocks, code_of
from ingle.core.evals.models import Case, CheckResult, CheckSpec
from ingle.core.evals.sandbox import run_limited
from ingle.memory.evals import SampleRow

if TYPE_CHECKING:
    from ingle.validators.registry import GateRunner

DEFAULT_FILES = {"python": "solution.py", "go": "main.go", "javascript": "main.js",
                 "typescript": "main.ts", "java": "Main.java", "html": "index.html"}


def binary(ok: bool, reason: str) -> CheckResult:
    return CheckResult(passed=ok, score=1.0 if ok else 0.0, reason=reason)


class CheckContext:
    """What a check may use besides the sample: the case, the gates, the suite's folder."""

    def __init__(self, case: Case, gates: Callable[[], GateRunner] | None = None,
                 suite_dir: Path | None = None) -> None:
        self.case = case
        self.gates = gates
        self.suite_dir = suite_dir


async def run_check(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    if sample.error:
        return binary(False, f"no reply: {sample.error}")
    handler = _HANDLERS.get(spec.type)
    if handler is None:
        raise ValueError(f"{spec.type} is not a deterministic check")
    result = await handler(spec, sample, ctx)
    if result.passed and result.score < spec.threshold:  # scored checks: the threshold decides
        result = result.model_copy(update={"passed": False})
    return result


def _expected(spec: CheckSpec, ctx: CheckContext) -> str:
    value = spec.value if spec.value is not None else ctx.case.expected
    if value is None:
        raise ValueError(f"check {spec.key} has no value and case {ctx.case.id} no expected")
    return str(value)


async def _equals(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    want, got = _expected(spec, ctx).strip(), sample.output.strip()
    if spec.ignore_case:
        want, got = want.lower(), got.lower()
    return binary(got == want, "equal" if got == want else f"expected {want!r}, got {got[:80]!r}")


async def _contains(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    want, got = _expected(spec, ctx), sample.output
    if spec.ignore_case:
        want, got = want.lower(), got.lower()
    ok = want in got
    return binary(ok, f"contains {want!r}" if ok else f"{want!r} not in the reply")


async def _regex(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    flags = re.IGNORECASE if spec.ignore_case else 0
    try:
        found = re.search(spec.pattern, sample.output, flags | re.MULTILINE)
    except re.error as exc:
        return binary(False, f"bad pattern {spec.pattern!r}: {exc}")
    return binary(found is not None, f"/{spec.pattern}/ {'matches' if found else 'does not match'}")


def _json_text(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return stripped
    return code_of(text, "json").strip()


async def _json_schema(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    import jsonschema

    try:
        value = json.loads(_json_text(sample.output))
    except json.JSONDecodeError as exc:
        return binary(False, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    if spec.schema_ is None:
        return binary(True, "valid JSON")
    try:
        jsonschema.validate(value, spec.schema_)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the top level"
        return binary(False, f"breaks the schema at {where}: {exc.message}")
    return binary(True, "valid against the schema")


def _callable(ref: str, suite_dir: Path | None) -> Callable[..., Any]:
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise ValueError(f"python check {ref!r}: write it as module:function")
    local = suite_dir / f"{module_name}.py" if suite_dir else None
    if local is not None and local.is_file():  # a helper module next to the suite file
        loaded = importlib.util.spec_from_file_location(f"ingle_eval_{module_name}", local)
        assert loaded is not None and loaded.loader is not None
        module = importlib.util.module_from_spec(loaded)
        loaded.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, attr)


async def _python(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    try:
        function = _callable(spec.function, ctx.suite_dir)
        verdict = function(sample.output, ctx.case.model_dump())
    except Exception as exc:  # noqa: BLE001 - the user's function failing is a failed check
        return binary(False, f"{spec.function} raised {type(exc).__name__}: {exc}")
    reason = ""
    if isinstance(verdict, tuple):
        verdict, reason = verdict
    if isinstance(verdict, bool):
        return binary(verdict, reason or f"{spec.function} returned {verdict}")
    score = max(0.0, min(1.0, float(verdict)))
    return CheckResult(passed=True, score=score, reason=reason or f"{spec.function}: {score:.2f}")


def _language(spec: CheckSpec, sample: SampleRow) -> str:
    if spec.language:
        return ALIASES.get(spec.language, spec.language)
    blocks = code_blocks(sample.output)
    return blocks[0][0] if blocks and blocks[0][0] else "python"


def _write_tree(root: Path, case: Case, name: str, code: str) -> None:
    for rel, content in case.files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(code, encoding="utf-8")


async def _gates(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    from ingle.validators.results import GateStatus

    if ctx.gates is None:
        return binary(False, "no gate runner given")
    language = "html" if spec.type == "browser" else _language(spec, sample)
    name = spec.file or DEFAULT_FILES.get(language, f"solution.{language}")
    only = ["browser"] if spec.type == "browser" else None
    with tempfile.TemporaryDirectory(prefix="ingle-eval-") as tmp:
        root = Path(tmp)
        _write_tree(root, ctx.case, name, code_of(sample.output, language))
        report = await ctx.gates().report([name], root, only=only)
    results = report.results
    if not results:
        return binary(False, f"no gate applies to {name}")
    failed = [r for r in results if r.status in (GateStatus.FAILED, GateStatus.COULD_NOT_RUN)]
    if not failed:
        return binary(True, ", ".join(f"{r.gate} clean" for r in results))
    parts = []
    for r in failed:
        first = r.errors[0].message if r.errors else r.detail
        parts.append(f"{r.gate} {r.status.value}: {first}")
    return binary(False, "; ".join(parts))


async def _tests(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    if not spec.command:
        return binary(False, "a tests check needs a command")
    language = _language(spec, sample)
    name = spec.file or DEFAULT_FILES.get(language, "solution.txt")
    argv = [sys.executable if a == "{python}" else a for a in shlex.split(spec.command)]
    with tempfile.TemporaryDirectory(prefix="ingle-eval-") as tmp:
        _write_tree(Path(tmp), ctx.case, name, code_of(sample.output, language))
        try:
            result = await run_limited(argv, tmp, spec.timeout_s)
        except OSError as exc:
            return binary(False, f"cannot run {argv[0]}: {exc.strerror}")
    if result.timed_out:
        return binary(False, f"timed out after {spec.timeout_s:g}s")
    last = result.output.strip().splitlines()[-1:] or [""]
    return binary(result.ok, f"exit {result.returncode}: {last[0][:160]}")


def _ceiling(measure: Callable[[SampleRow], float], unit: str) -> Callable[..., Any]:
    async def check(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
        value = measure(sample)
        if spec.max is None:
            return CheckResult(passed=True, score=1.0, reason=f"{value:g} {unit}")
        ok = value <= spec.max
        return binary(ok, f"{value:g} {unit} ({'within' if ok else 'over'} {spec.max:g})")
    return check


async def _humaneval(spec: CheckSpec, sample: SampleRow, ctx: CheckContext) -> CheckResult:
    from ingle.core.evals.humaneval import check_completion

    return await check_completion(ctx.case, sample.output, spec.timeout_s)


_HANDLERS: dict[str, Callable[..., Any]] = {
    "equals": _equals,
    "contains": _contains,
    "regex": _regex,
    "json_schema": _json_schema,
    "python": _python,
    "gates": _gates,
    "browser": _gates,
    "tests": _tests,
    "latency": _ceiling(lambda s: round(s.latency_s, 3), "s"),
    "visible_tokens": _ceiling(lambda s: s.visible_tokens, "visible tokens"),
    "thinking_tokens": _ceiling(lambda s: s.thinking_tokens, "thinking tokens"),
    "cost": _ceiling(lambda s: round(s.cost_usd, 6), "USD"),
    "humaneval": _humaneval,
}
