"""How fast can the chat view stream a long Markdown answer and stay responsive?

Streams the same 20,000-token Markdown answer (60+ fenced code blocks) into
  * plain:  one Textual `Markdown` widget fed through `Markdown.get_stream()`
            (with `layout: stream`, the best plain setup measured earlier), and
  * ingle:  the chat view itself: a `Transcript` holding the reply's
            `StreamingMarkdown` (finished blocks settle in their own documents;
            only the open one is re-parsed, and drawn once per frame),
at rising token rates. While it streams, a thread presses a key every 20 ms the
way the terminal driver does (post_message from another thread) and records how
long each press waits before it is handled: the input latency.

A rate is "sustained" when the whole answer is on screen within 10% of the time
the producer needed, and the 95th percentile input latency is under 50 ms.

Wall-clock figures depend on what else the machine runs, so each run also
prints load-independent ones: the process's CPU seconds, and the longest single
event-loop step in CPU milliseconds (a key press can wait at most about that
long on an idle machine).

    .venv/bin/python benchmarks/bench_tui_stream.py            # full run (a few minutes)
    .venv/bin/python benchmarks/bench_tui_stream.py --tokens 5000 --rates 500,1000,2000

The app runs in Textual's headless driver (layout and rendering run; nothing is
written to a terminal), at 120x40.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown

from ingle.tui.widgets.streaming_markdown import StreamingMarkdown
from ingle.tui.panes.chat.widgets.transcript import Transcript

KEY_INTERVAL_S = 0.02
LATENCY_LIMIT_MS = 50.0
CATCH_UP_SLACK = 1.10

_TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+")

_WORDS = ["the", "model", "reads", "each", "file", "in", "the", "chat", "and", "writes", "a", "small", "change", "that", "keeps", "the", "tests", "green", "while", "the", "gate", "compiles", "every", "candidate", "before", "anything", "touches", "the", "working", "tree", "so", "a", "broken", "reply", "costs", "nothing", "but", "one", "more", "attempt", "on", "a", "larger", "model"]

_CODE = {
    "python": [
        "def {name}(items: list[int]) -> int:",
        "    total = 0",
        "    for item in items:",
        "        if item % {n} == 0:",
        "            total += item * {n}",
        "    return total",
        "",
        "class {Name}:",
        "    def __init__(self, size: int = {n}) -> None:",
        "        self.size = size",
        "        self.cache: dict[str, int] = {{}}",
    ],
    "javascript": [
        "export function {name}(items) {{",
        "  let total = 0;",
        "  for (const item of items) {{",
        "    if (item % {n} === 0) total += item * {n};",
        "  }}",
        "  return total;",
        "}}",
        "const {name}Cache = new Map();",
    ],
    "go": [
        "func {Name}(items []int) int {{",
        "\ttotal := 0",
        "\tfor _, item := range items {{",
        "\t\tif item%{n} == 0 {{",
        "\t\t\ttotal += item * {n}",
        "\t\t}}",
        "\t}}",
        "\treturn total",
        "}}",
    ],
}


def make_answer(token_count: int, seed: int = 7) -> list[str]:
    """A deterministic Markdown answer cut into model-like tokens (word pieces)."""
    rng = random.Random(seed)
    sections: list[str] = []
    index = 0
    while True:
        index += 1
        name = f"step_{index}"
        lang = ("python", "javascript", "go")[index % 3]
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(40, 70)))
        bullets = "\n".join(
            f"- `{name}_{b}` {' '.join(rng.choice(_WORDS) for _ in range(8))}" for b in range(3)
        )
        body = "\n".join(
            line.format(name=name, Name=name.title().replace("_", ""), n=index % 7 + 2)
            for line in _CODE[lang]
        )
        section = (
            f"## {index}. Change {name}\n\n{words.capitalize()}, **see** `{name}`.\n\n"
            f"{bullets}\n\n```{lang}\n{body}\n```\n\n"
        )
        if index % 5 == 0:
            section += "| file | lines |\n|---|---|\n| a.py | 12 |\n| b.go | 40 |\n\n"
        sections.append(section)
        if len(_TOKEN.findall("".join(sections))) >= token_count:
            break
    tokens = _TOKEN.findall("".join(sections))[:token_count]
    return tokens


@dataclass
class Result:
    kind: str
    rate: int
    achieved: float
    lag_s: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_max_ms: float
    cpu_s: float
    longest_step_ms: float

    @property
    def sustained(self) -> bool:
        return self.achieved * CATCH_UP_SLACK >= self.rate and self.latency_p95_ms < LATENCY_LIMIT_MS


class LatencyProbe(Widget, can_focus=True):
    DEFAULT_CSS = "LatencyProbe { height: 1; }"

    def __init__(self) -> None:
        super().__init__()
        self.latencies_ms: list[float] = []

    def on_key(self, event: events.Key) -> None:
        stamp = getattr(event, "bench_stamp", None)
        if stamp is not None:
            self.latencies_ms.append((time.perf_counter() - stamp) * 1000)
        event.stop()


class StreamBench(App[Result]):
    CSS = """
    #transcript { layout: stream; height: 1fr; }
    #transcript > Markdown { layout: stream; }
    """

    def __init__(self, kind: str, tokens: list[str], rate: int) -> None:
        super().__init__()
        self.kind = kind
        self.tokens = tokens
        self.rate = rate
        self.probe = LatencyProbe()
        self.done = asyncio.Event()
        self.result: Result | None = None

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id="transcript") if self.kind == "plain" else Transcript(id="chat")
        yield self.probe

    async def on_mount(self) -> None:
        self.probe.focus()
        self.run_worker(self._stream(), exit_on_error=True)

    async def _stream(self) -> None:
        stop_keys = threading.Event()
        presser = threading.Thread(target=self._press_keys, args=(stop_keys,), daemon=True)
        if self.kind == "plain":
            transcript = self.query_one("#transcript", VerticalScroll)
            transcript.anchor()
            widget = Markdown()
            await transcript.mount(widget)
            stream = Markdown.get_stream(widget)
            write = stream.write
            finish = stream.stop
        else:
            chat = self.query_one("#chat", Transcript)
            widget = StreamingMarkdown(classes="answer -live")
            chat.add(widget)

            async def write(fragment: str) -> None:
                widget.write(fragment)

            finish = widget.finish
        presser.start()
        steps = StepTimer()
        steps.install()
        cpu_started = time.process_time()
        started = time.perf_counter()
        sent = 0
        total = len(self.tokens)
        while sent < total:
            due = min(total, int((time.perf_counter() - started) * self.rate) + 1)
            for token in self.tokens[sent:due]:
                await write(token)
            sent = due
            await asyncio.sleep(0.002)  # the token source's pace, as a model server's
        produced = time.perf_counter()
        await finish()
        finished = time.perf_counter()
        cpu = time.process_time() - cpu_started
        steps.uninstall()
        stop_keys.set()
        presser.join()
        await asyncio.sleep(0.1)  # let the last key presses land
        lat = sorted(self.probe.latencies_ms) or [0.0]
        self.result = Result(
            kind=self.kind,
            rate=self.rate,
            achieved=total / (finished - started),
            lag_s=finished - produced,
            latency_p50_ms=statistics.median(lat),
            latency_p95_ms=lat[min(len(lat) - 1, int(len(lat) * 0.95))],
            latency_max_ms=lat[-1],
            cpu_s=cpu,
            longest_step_ms=steps.longest * 1000,
        )
        self.done.set()

    def _press_keys(self, stop: threading.Event) -> None:
        while not stop.wait(KEY_INTERVAL_S):
            key = events.Key("x", "x")
            key.bench_stamp = time.perf_counter()  # type: ignore[attr-defined]
            self.post_message(key)


class StepTimer:
    """The longest CPU time one event-loop callback took (instrumentation, bench only)."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._original = asyncio.events.Handle._run

    def install(self) -> None:
        original = self._original
        timer = self

        def timed_run(handle: asyncio.events.Handle) -> None:
            begun = time.thread_time()
            original(handle)
            spent = time.thread_time() - begun
            timer.longest = max(timer.longest, spent)

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]

    def uninstall(self) -> None:
        asyncio.events.Handle._run = self._original  # type: ignore[method-assign]


async def run_case(kind: str, tokens: list[str], rate: int) -> Result:
    app = StreamBench(kind, tokens, rate)
    async with app.run_test(size=(120, 40)):
        await app.done.wait()
    assert app.result is not None
    return app.result


def warm_up() -> None:
    """Load the highlighters for the answer's languages once, before any timing:
    both widgets would otherwise pay the lexer imports inside their first run."""
    from rich.console import Console
    from rich.syntax import Syntax
    from textual.highlight import highlight

    console = Console(file=io.StringIO(), width=80)
    for language, lines in _CODE.items():
        sample = "\n".join(lines).format(name="a", Name="A", n=2)
        highlight(sample, language=language)
        console.print(Syntax(sample, language))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=20_000)
    parser.add_argument("--rates", default="250,500,1000,2000,4000,8000,16000")
    parser.add_argument("--kinds", default="plain,ingle")
    args = parser.parse_args()
    from ingle.tui.app import tune_gc

    tune_gc()  # the app's own process settings (run_app applies them); both kinds share them
    tokens = make_answer(args.tokens)
    text = "".join(tokens)
    warm_up()
    print(
        f"answer: {len(tokens)} tokens, {len(text)} chars, "
        f"{text.count(chr(10) + '```') // 2} code blocks; key press every "
        f"{KEY_INTERVAL_S * 1000:.0f} ms; sustained = on screen within "
        f"{(CATCH_UP_SLACK - 1) * 100:.0f}% of the stream time and p95 latency < "
        f"{LATENCY_LIMIT_MS:.0f} ms"
    )
    best: dict[str, int] = {}
    for kind in args.kinds.split(","):
        best[kind] = 0
        for rate in (int(r) for r in args.rates.split(",")):
            result = asyncio.run(run_case(kind, tokens, rate))
            print(
                f"{kind:>6} {rate:>6} tok/s: achieved {result.achieved:7.0f} tok/s, "
                f"behind by {result.lag_s:5.2f} s, latency p50 {result.latency_p50_ms:5.1f} "
                f"p95 {result.latency_p95_ms:6.1f} max {result.latency_max_ms:6.1f} ms, "
                f"CPU {result.cpu_s:5.1f} s, longest step {result.longest_step_ms:5.1f} ms "
                f"-> {'sustained' if result.sustained else 'NOT sustained'}",
                flush=True,
            )
            if not result.sustained:
                break
            best[kind] = rate
    for kind, rate in best.items():
        print(f"highest sustained rate, {kind}: {rate} tok/s")
    if best.get("plain") and "ingle" in best:
        print(f"ratio ingle / plain: {best['ingle'] / best['plain']:.1f}x")
    elif "ingle" in best and "plain" in best:
        print("ratio ingle / plain: plain sustained no tested rate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
