"""Evaluator overhead: what the harness adds per sample, and a whole HumanEval run.

    .venv/bin/python benchmarks/bench_evals.py

1. A 200-case suite with one `contains` check against the fake Ollama (instant replies,
   one request at a time). Per sample, the harness's own time is the run's wall time minus
   the time inside the model call (the HTTP round trip and its call-log row): planning,
   the effective request, the cache lookup, storing the sample, scoring, storing scores,
   events. Printed next to the model-call time of the same run. Target: under 5 ms.
2. The built-in `humaneval` suite, 164 cases, instant replies of the canonical solutions
   (so nearly all the time is the subprocess running each problem's tests), with wall time.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.ollama_server import FakeOllama  # noqa: E402
from tests.fakes.script import Reply  # noqa: E402

CASES = 200


def suite_text() -> str:
    cases = "".join(f'[[cases]]\nid = "c{i}"\nprompt = "question {i}"\nexpected = "ok"\n'
                    f'checks = [{{ type = "contains" }}]\n' for i in range(CASES))
    return f'personas = ["my-generalist"]\n{cases}'


async def overhead(server: FakeOllama, home: Path) -> None:
    from ingle.core.evals.service import EvalService
    from ingle.core.workbench import Workbench
    from ingle.memory import evals as rows

    (home / "config" / "evals").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(
        f'[endpoints.local]\nkind = "ollama"\nurl = "{server.url}"\nconcurrency = 1\n')
    (home / "config" / "evals" / "bench.toml").write_text(suite_text())
    server.respond_with(lambda r: Reply(text="ok", chunks=1))
    wb = Workbench.open(None)
    try:
        service = EvalService(wb)
        suite = service.load_suite("bench")
        started = time.perf_counter()
        report = await service.run(suite, service.subjects(suite))
        wall = time.perf_counter() - started
        model = sum(s.latency_s for s in rows.samples_of(wb.store, report.run.id))
        cached_started = time.perf_counter()
        await service.run(suite, service.subjects(suite))  # every sample from the cache
        cached = time.perf_counter() - cached_started
    finally:
        await wb.aclose()
    per_sample = (wall - model) / CASES * 1000
    print(f"{CASES} samples, one at a time: wall {wall:.2f}s, inside model calls {model:.2f}s")
    print(f"harness overhead per sample: {per_sample:.2f} ms (target < 5 ms); "
          f"model call per sample: {model / CASES * 1000:.2f} ms; "
          f"ratio overhead/model call: {(wall - model) / model:.2f}")
    print(f"the same run again, all from the cache: {cached / CASES * 1000:.2f} ms per sample")


async def humaneval(server: FakeOllama) -> None:
    from ingle.core.evals.humaneval import humaneval_suite
    from ingle.core.evals.service import EvalService
    from ingle.core.workbench import Workbench

    problems = {c.data["prompt"]: c.data["canonical_solution"] for c in humaneval_suite().cases}

    def respond(request):  # noqa: ANN001, ANN202
        text = request.json["messages"][-1]["content"]
        body = next(sol for prompt, sol in problems.items() if prompt in text)
        return Reply(text=f"```python\n{body}```", chunks=1)

    server.respond_with(respond)
    wb = Workbench.open(None)
    try:
        service = EvalService(wb)
        suite = service.load_suite("humaneval")
        subjects = service.subjects(suite, None, ["qwen3:8b"])
        started = time.perf_counter()
        report = await service.run(suite, subjects, samples=1)
        wall = time.perf_counter() - started
    finally:
        await wb.aclose()
    metrics = report.subjects[0].metrics
    print(f"humaneval, 164 cases, instant replies: wall {wall:.1f}s "
          f"({wall / 164 * 1000:.0f} ms per case, mostly the test subprocess), "
          f"pass@1 {metrics['pass@1']:.3f}")


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="ingle-bench-evals-"))
    os.environ["INGLE_HOME"] = str(home)
    with FakeOllama() as server:
        os.environ["OLLAMA_HOST"] = server.url
        asyncio.run(overhead(server, home))
    home2 = Path(tempfile.mkdtemp(prefix="ingle-bench-evals-"))
    os.environ["INGLE_HOME"] = str(home2)
    with FakeOllama() as server:
        os.environ["OLLAMA_HOST"] = server.url
        asyncio.run(humaneval(server))


if __name__ == "__main__":
    main()
