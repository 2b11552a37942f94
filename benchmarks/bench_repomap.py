"""Repo map speed and memory on a real repository, next to Aider's in the same run.

The repository: every .py file of this interpreter's standard library (sysconfig's stdlib
dir, site-packages left out; about 1,790 files), copied into a fresh git repository.
Ingle is measured cold and warm from a new process (`ingle map`, as a user runs it),
and cold and warm inside one process (a RepoMap kept alive, as the TUI does). Aider is
installed into a throwaway virtualenv created here (never a project dependency) and runs
`aider --show-repo-map` on the same repository, same chat file and budget, offline.

    .venv/bin/python benchmarks/bench_repomap.py [--tokens 1024] [--no-aider]

Targets (issue 4): warm in process < 200 ms; warm new process < 2 s; cold >= 3x faster
than Aider's cold --show-repo-map. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.aider_support import aider_venv, default_aider_venv  # noqa: E402

CHAT_FILE = "json/decoder.py"
MESSAGES = [  # different requests against the same warm map, as successive turns send
    "",
    "make scanstring handle surrogate pairs",
    "JSONDecodeError should report the column",
    "speed up py_make_scanner",
]
AIDER_FLAGS = [
    "--show-repo-map",
    "--no-check-update",
    "--no-analytics",
    "--no-show-release-notes",
    "--no-gitignore",
    "--no-pretty",
    "--no-fancy-input",
    "--no-show-model-warnings",
    "--map-multiplier-no-files", "1",
    "--model", "ollama_chat/qwen3:8b",
]  # fmt: skip


@dataclass
class Run:
    wall_s: float
    cpu_s: float  # user + system, its waited-for children (pool workers) included
    peak_rss_mb: float  # the largest single process: itself or a waited-for child
    stdout: str
    stderr: str
    status: int


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> Run:
    """Run a command; wall time, and its peak RSS from wait4 (its own, not this process's)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except KeyboardInterrupt:
            proc.kill()
            raise
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            proc.returncode,
        )


def make_stdlib_repo(where: Path) -> tuple[Path, int, float]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    repo = where / "stdlib"
    count = 0
    size = 0
    for source in stdlib.rglob("*.py"):
        relative = source.relative_to(stdlib)
        if relative.parts[0] in ("site-packages", "dist-packages") or not source.is_file():
            continue
        target = repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        count += 1
        size += target.stat().st_size
    git_env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost",
               "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@localhost"}  # fmt: skip
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "stdlib"]):
        subprocess.run(["git", *args], cwd=repo, env=git_env, check=True)
    return repo, count, size / 1e6


@dataclass
class Tool:
    """A repo-map command to time, and how to make its next run cold."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    forget: Callable[[], None]  # drop the tool's cache
    runs_cold: list[Run] = field(default_factory=list)
    runs_warm: list[Run] = field(default_factory=list)
    failure: str | None = None  # why it could not be measured

    def run(self, repo: Path, cold: bool) -> None:
        if cold:
            self.forget()
        result = run_measured(self.cmd, repo, self.env)
        if result.status != 0 or "⋮" not in result.stdout:
            raise RuntimeError(f"{self.name} exited {result.status} without a map:\n"
                               f"{result.stderr[-2000:]}")  # fmt: skip
        (self.runs_cold if cold else self.runs_warm).append(result)


def ingle_tool(scratch: Path, tokens: int) -> Tool:
    home = scratch / "home-cli"
    return Tool(
        "ingle",
        [sys.executable, "-m", "ingle.core.frontends.cli", "map", "--tokens", str(tokens), CHAT_FILE],
        {**os.environ, "INGLE_HOME": str(home)},
        lambda: shutil.rmtree(home, ignore_errors=True),
    )


def aider_tool(aider: Path, repo: Path, scratch: Path, tokens: int) -> Tool:
    home = scratch / "aider-home"  # aider writes ~/.aider: keep the user's home untouched
    home.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no fetch of litellm's price list
        "OLLAMA_API_BASE": "http://127.0.0.1:9",  # nothing listens: model lookup fails fast
    }
    cmd = [
        str(aider), *AIDER_FLAGS, "--map-tokens", str(tokens),
        "--input-history-file", str(scratch / "aider.input"),
        "--chat-history-file", str(scratch / "aider.chat.md"),
        CHAT_FILE,
    ]  # fmt: skip

    def forget() -> None:
        for cache in repo.glob(".aider.tags.cache.v*"):
            shutil.rmtree(cache)

    return Tool("aider", cmd, env, forget)


def measure_processes(tools: list[Tool], repo: Path, runs: int) -> None:
    """Cold runs, then warm runs, each round going through every tool in turn, so a
    change in the machine's load hits all tools alike; best of `runs` is reported.
    Ingle failing stops the benchmark; another tool failing is reported and dropped."""
    for cold in (True, False):
        for _ in range(runs):
            for tool in tools:
                if tool.failure:
                    continue
                try:
                    tool.run(repo, cold)
                except RuntimeError as exc:
                    if tool is tools[0]:
                        raise SystemExit(str(exc)) from exc
                    tool.failure = str(exc)
                    continue
                last = (tool.runs_cold if cold else tool.runs_warm)[-1]
                print(
                    f"  {tool.name} {'cold' if cold else 'warm'}: {last.wall_s:.2f} s", flush=True
                )


def measure_ingle_in_process(repo: Path, home: Path, tokens: int) -> dict:
    from ingle.core.repomap.parse import core_count
    from ingle.core.repomap.map import RepoMap, identifiers_in
    from ingle.memory.store import Store

    figures: dict = {}
    # Cold three ways: one process; this process plus a worker per other core; and as
    # built by default (a worker per idle core, judged by the load average).
    for label, workers in (("cold_single_s", 1), ("cold_pool_s", core_count())):
        with Store(home / f"{label}.db") as store:
            started = time.perf_counter()
            RepoMap(repo, store, workers=workers).build({CHAT_FILE}, set(), tokens)
            figures[label] = time.perf_counter() - started
    with Store(home / "default.db") as store:
        mapper = RepoMap(repo, store)
        figures["load"] = os.getloadavg()[0]
        started = time.perf_counter()
        first = mapper.build({CHAT_FILE}, set(), tokens)
        figures["cold_s"] = time.perf_counter() - started
        figures["map_lines"] = first.text.count("\n")
        same: list[float] = []
        for _ in range(5):
            result = mapper.build({CHAT_FILE}, set(), tokens)
            same.append(result.timings.total_s)
        figures["warm_same_s"] = statistics.median(same)
        figures["warm_parts"] = result.timings
        varied = [
            mapper.build({CHAT_FILE}, identifiers_in(m), tokens).timings.total_s for m in MESSAGES
        ]
        figures["warm_varied_s"] = statistics.median(varied)
        tracemalloc.start()
        mapper.build({CHAT_FILE}, identifiers_in(MESSAGES[1]), tokens)
        figures["warm_alloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return figures


def ratio(baseline: float, ours: float) -> str:
    return f"{baseline / ours:5.1f}x" if ours > 0 else "   n/a"


def report(
    args: argparse.Namespace, repo_info: tuple, ingle: Tool, inproc: dict, aider: Tool | None
) -> None:
    _, count, megabytes = repo_info
    print()
    print(f"repository: {count} .py files, {megabytes:.1f} MB (stdlib of Python "
          f"{sys.version.split()[0]}), chat file {CHAT_FILE}, budget {args.tokens} tokens")  # fmt: skip
    print(f"cores available: {len(os.sched_getaffinity(0))}, load average now "
          f"{os.getloadavg()[0]:.1f}; new-process figures are the best of {args.runs}")  # fmt: skip
    print(f"ingle: {ingle.runs_cold[0].stderr.strip().splitlines()[-1]}")
    print()
    print(f"{'':34}{'ingle':>10}{'aider':>10}{'aider/ingle':>13}")

    def row(label: str, ours: float, theirs: float | None, unit: str = "s") -> None:
        theirs_text = f"{theirs:9.2f}{unit}" if theirs is not None else f"{'n/a':>10}"
        speedup = ratio(theirs, ours) if theirs is not None else ""
        print(f"{label:34}{ours:9.2f}{unit}{theirs_text}{speedup:>13}")

    def best(tool: Tool | None, cold: bool, what: str) -> float | None:
        if tool is None:
            return None
        runs = tool.runs_cold if cold else tool.runs_warm
        if what == "rss":
            return max(r.peak_rss_mb for r in runs)
        return min(getattr(r, what) for r in runs)

    for cold, label in ((True, "cold"), (False, "warm")):
        row(
            f"{label}, new process (wall)", best(ingle, cold, "wall_s"), best(aider, cold, "wall_s")
        )
        row(f"{label}, new process (CPU)", best(ingle, cold, "cpu_s"), best(aider, cold, "cpu_s"))
        row(f"{label}, peak RSS (MB)", best(ingle, cold, "rss"), best(aider, cold, "rss"), "M")
    row("warm, in process (same request)", inproc["warm_same_s"], None)
    row("warm, in process (new messages)", inproc["warm_varied_s"], None)
    row("cold, in process, default", inproc["cold_s"], None)
    row("cold, in process, 1 process", inproc["cold_single_s"], None)
    row("cold, in process, +1 worker/core", inproc["cold_pool_s"], None)
    print(f"python allocations during a warm build (tracemalloc peak): "
          f"{inproc['warm_alloc_peak_mb']:.1f} MB")  # fmt: skip
    parts = inproc["warm_parts"]
    print(f"warm in-process split: list+stat {parts.list_s * 1000:.0f} ms, rank "
          f"{parts.rank_s * 1000:.0f} ms, render {parts.render_s * 1000:.0f} ms")  # fmt: skip
    print(f"pool vs one process on a cold build: "
          f"{inproc['cold_single_s'] / inproc['cold_pool_s']:.2f}x "
          f"(load average {inproc['load']:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    if aider:
        print(f"map size: ingle {inproc['map_lines']} lines, aider "
              f"{aider.runs_cold[0].stdout.count(chr(10))} lines (map and its preamble)")  # fmt: skip
        print(f"aider: {' '.join(aider.cmd[1:])}")
    print()
    print("targets:")
    print(f"  warm in process < 200 ms: {inproc['warm_varied_s'] * 1000:.0f} ms")
    print(f"  warm new process < 2 s:   {best(ingle, False, 'wall_s'):.2f} s")
    if aider:
        print(f"  cold >= 3x faster than aider: wall "
              f"{best(aider, True, 'wall_s') / best(ingle, True, 'wall_s'):.1f}x, CPU "
              f"{best(aider, True, 'cpu_s') / best(ingle, True, 'cpu_s'):.1f}x")  # fmt: skip
    else:
        print("  cold vs aider: not measured (see above)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=1024, help="map budget for both tools")
    parser.add_argument("--runs", type=int, default=2, help="cold and warm runs per tool")
    parser.add_argument("--no-aider", action="store_true", help="measure Ingle only")
    parser.add_argument(
        "--aider-venv",
        type=Path,
        default=default_aider_venv(),
        help="throwaway virtualenv for aider-chat (created if missing)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-repomap-") as tmp:
        scratch = Path(tmp)
        repo_info = make_stdlib_repo(scratch)
        repo = repo_info[0]
        print(f"copied {repo_info[1]} files into {repo}", flush=True)
        tools = [ingle_tool(scratch, args.tokens)]
        if not args.no_aider:
            try:
                tools.append(aider_tool(aider_venv(args.aider_venv), repo, scratch, args.tokens))
            except (subprocess.CalledProcessError, OSError, RuntimeError) as exc:
                print(f"aider not measured: {exc}", flush=True)
        measure_processes(tools, repo, args.runs)
        aider = next((t for t in tools[1:] if not t.failure), None)
        for tool in tools[1:]:
            if tool.failure:
                print(f"{tool.name} not measured: {tool.failure}", flush=True)
        inproc = measure_ingle_in_process(repo, scratch / "home-lib", args.tokens)
        print("ingle, in process: done", flush=True)
        report(args, repo_info, tools[0], inproc, aider)
    return 0


if __name__ == "__main__":
    sys.exit(main())
