"""Routing decision overhead per task, without the classifier call.

    .venv/bin/python benchmarks/bench_routing.py

Times `core.router.route()` (ladder for the task kind, long-context rule, VRAM rule,
Claude access) on prepared inputs, next to building the same turn's prompt
(`build_prompt`) in the same run, so the ratio shows what routing adds to a turn's
own CPU work. Target: far below 1 ms per decision.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingle.core.config.loader import load_config  # noqa: E402
from ingle.core.context.prompt_builder import PromptParts, build_prompt  # noqa: E402
from ingle.core.routing.router import ClaudeAccess, RouteRequest, claude_access, route  # noqa: E402
from ingle.core.routing.vram import VramView  # noqa: E402
from ingle.personas.registry import load_registry  # noqa: E402

GB = 1024**3
ROUNDS = 20_000


def per_call_us(fn, rounds: int) -> float:  # noqa: ANN001
    fn()  # warm
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    os.environ["INGLE_HOME"] = tempfile.mkdtemp(prefix="ingle-bench-")
    settings = load_config().settings
    registry = load_registry(None)
    coder = registry.get("my-coder")
    view = VramView(
        total_bytes=12 * GB,
        sizes={"qwen3:8b": int(5.2 * GB), "qwen3:14b": int(9.3 * GB), "qwen2.5-coder:7b": int(4.7 * GB)},
        loaded={"qwen3:8b": int(5.2 * GB)},
    )
    cases = {
        "code, no GPU info": RouteRequest(kind="code", persona=coder),
        "code, VRAM view + Claude": RouteRequest(
            kind="code", persona=coder, vram=view, claude=ClaudeAccess(True)
        ),
        "architecture, long context": RouteRequest(
            kind="architecture", persona=registry.get("my-architect"), prompt_tokens=9000, vram=view
        ),
    }
    source = (Path(__file__).resolve().parent.parent / "core" / "agent" / "turn.py").read_text()
    parts = PromptParts(
        system_prompt=coder.system_prompt(), examples=coder.example_pairs(),
        files={"core/agent/turn.py": source}, instruction="add retries to the stream loop",
    )
    prompt_us = per_call_us(lambda: build_prompt(parts), 500)
    access_us = per_call_us(lambda: claude_access(settings, coder, 0.5), ROUNDS)
    print(f"{'decision':<30}{'us/decision':>14}{'vs prompt build':>18}")
    for name, request in cases.items():
        us = per_call_us(lambda r=request: route(settings, r), ROUNDS)
        print(f"{name:<30}{us:>14.1f}{us / prompt_us:>17.3f}x")
    print(f"{'claude access check':<30}{access_us:>14.1f}{access_us / prompt_us:>17.3f}x")
    print(f"{'baseline: build_prompt (1 file)':<30}{prompt_us:>14.1f}{1:>17.3f}x")


if __name__ == "__main__":
    main()
