"""How much does OllamaBackend add per streamed token over a bare httpx loop?

Streams the same 20,000-token `/api/chat` reply from the fake Ollama server (a real
loopback socket, one NDJSON line per token, chunked like the real server) through
  * bare:     httpx `aiter_lines()` + `json.loads` per line, nothing else, and
  * backend:  `OllamaBackend.stream_chat` (typed events, think-tag check, usage),
alternating rounds in the same run. CPU time is the client thread's own
(`time.thread_time`), so the fake server's thread does not count. Target: the
backend costs at most 2x the bare loop's CPU per event.

    .venv/bin/python benchmarks/bench_stream.py [--tokens N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from ingle.core.backends.ollama import OllamaBackend
from ingle.core.backends.types import ChatMessage, ChatRequest
from ingle.core.config.settings import Settings
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import Reply

TARGET_RATIO = 2.0


async def bare_loop(client: httpx.AsyncClient, body: dict) -> int:
    events = 0
    async with client.stream("POST", "/api/chat", json=body) as response:
        async for line in response.aiter_lines():
            if line:
                json.loads(line)
                events += 1
    return events


async def backend_loop(backend: OllamaBackend, request: ChatRequest) -> int:
    events = 0
    async for _ in backend.stream_chat(request):
        events += 1
    return events


async def measure(tokens: int, rounds: int) -> dict[str, list[tuple[int, float, float]]]:
    """name -> [(events, wall seconds, client CPU seconds)] per round."""
    results: dict[str, list[tuple[int, float, float]]] = {"bare": [], "backend": []}
    settings = Settings()
    with FakeOllama() as server:
        reply = Reply(text="tok " * tokens)  # one chunk per word: one line per token
        request = ChatRequest(model="qwen3:8b", messages=[ChatMessage(role="user", content="go")])
        backend = OllamaBackend("bench", server.url, num_ctx_for=settings.num_ctx_for,
                                keep_alive_for=settings.keep_alive_for)
        body = backend.wire_body(request, await backend.num_ctx("qwen3:8b"))  # warms /api/show
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            runs = {"bare": lambda: bare_loop(client, body),
                    "backend": lambda: backend_loop(backend, request)}
            for _ in range(rounds + 1):  # the first round warms connections and caches
                for name, run in runs.items():
                    server.script(reply)
                    wall, cpu = time.perf_counter(), time.thread_time()
                    events = await run()
                    results[name].append((events, time.perf_counter() - wall,
                                          time.thread_time() - cpu))
        await backend.aclose()
    return {name: runs_[1:] for name, runs_ in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(measure(args.tokens, args.rounds))

    def medians(name: str) -> tuple[int, float, float]:
        runs = results[name]
        events = runs[0][0]
        rate = statistics.median(e / wall for e, wall, _ in runs)
        cpu_us = statistics.median(cpu / e * 1e6 for e, _, cpu in runs)
        return events, rate, cpu_us

    print(f"bench_stream: {args.tokens:,} tokens from the fake Ollama server, "
          f"median of {args.rounds} rounds each")
    print(f"  {'':26}{'events':>8}{'events/s':>12}{'CPU us/event':>15}")
    rows = {"bare": "bare httpx aiter_lines", "backend": "OllamaBackend.stream_chat"}
    figures = {name: medians(name) for name in rows}
    for name, label in rows.items():
        events, rate, cpu_us = figures[name]
        print(f"  {label:26}{events:>8,}{rate:>12,.0f}{cpu_us:>15.1f}")
    ratio = figures["backend"][2] / figures["bare"][2]
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"  CPU per event, backend / bare: {ratio:.2f}x ({verdict} the {TARGET_RATIO:.0f}x target)")


if __name__ == "__main__":
    main()
