"""One whole headless edit turn, process start to exit: `ingle --batch` against
`aider --message`, on the same real repository, the same 3-file reply, the same fake server.

    .venv/bin/python benchmarks/bench_batch_turn.py [--runs 3] [--no-aider]

The repository is a git copy of five packages of this interpreter's standard library
(json, email, http, logging, urllib, asyncio, xml, importlib: over a hundred real source files). The fake Ollama
server answers instantly, so the figures are each tool's own cost: start-up, repo map,
prompt, parsing and applying the edits, lint/gates and the commit. Both tools run with
their defaults otherwise (Ingle: gates auto, the classifier writes the commit message;
aider: auto-lint, a weak-model commit message). The first run of each is cold (no tag
cache), the rest warm. aider-chat lives in a throwaway virtualenv made by this script.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.aider_support import aider_venv, default_aider_venv  # noqa: E402
from tests.fakes.ollama_server import FakeOllama  # noqa: E402
from tests.fakes.script import Reply  # noqa: E402

PACKAGES = ("json", "email", "http", "logging", "urllib", "asyncio", "xml", "importlib")
EDITED = ("json/decoder.py", "json/encoder.py", "json/scanner.py")
INSTRUCTION = "Document where each JSON module's first function begins."
GIT_ID = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
          "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
AIDER_FLAGS = ["--model", "ollama_chat/qwen3:8b", "--edit-format", "diff", "--yes-always",
               "--no-check-update", "--no-analytics", "--no-show-release-notes", "--no-pretty",
               "--no-fancy-input", "--no-show-model-warnings"]


def make_repo(scratch: Path) -> tuple[Path, int]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    repo = scratch / "repo"
    for package in PACKAGES:
        shutil.copytree(stdlib / package, repo / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {**os.environ, **GIT_ID}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    (repo / ".gitignore").write_text(".aider*\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "stdlib packages"], cwd=repo, check=True, env=env)
    return repo, sum(1 for _ in repo.rglob("*.py"))


def edit_reply(repo: Path) -> str:
    """A SEARCH/REPLACE block per edited file: a comment above its first function."""
    blocks = []
    for rel in EDITED:
        first_def = next(line for line in (repo / rel).read_text().splitlines() if line.startswith("def "))
        blocks.append(
            f"{rel}\n```python\n<<<<<<< SEARCH\n{first_def}\n=======\n"
            f"# The module's first function.\n{first_def}\n>>>>>>> REPLACE\n```\n"
        )
    return "I will add a comment above each first function.\n\n" + "\n".join(blocks)


def reset(repo: Path) -> None:
    subprocess.run(["git", "reset", "-q", "--hard", "main@{0}"], cwd=repo, check=False)
    base = subprocess.run(["git", "rev-list", "--max-parents=0", "HEAD"], cwd=repo,
                          capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "reset", "-q", "--hard", base], cwd=repo, check=True)


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system, children included), exit status, output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode, done.stdout[-1500:] + done.stderr[-1500:]


def check_landed(repo: Path, tool: str, out: str) -> None:
    for rel in EDITED:
        if "# The module's first function." not in (repo / rel).read_text():
            raise SystemExit(f"{tool} did not apply the edit to {rel}:\n{out}")
    log = subprocess.run(["git", "log", "--oneline"], cwd=repo, capture_output=True, text=True).stdout
    if len(log.splitlines()) < 2:
        raise SystemExit(f"{tool} did not commit:\n{out}")


def measure(name: str, argv: list[str], repo: Path, env: dict[str, str], runs: int) -> dict:
    results = []
    for _ in range(runs):
        reset(repo)
        wall, cpu, status, out = timed(argv, repo, env)
        if status != 0:
            raise SystemExit(f"{name} exited {status}:\n{out}")
        check_landed(repo, name, out)
        results.append((wall, cpu))
    warm = results[1:] or results
    return {
        "cold_wall": results[0][0], "cold_cpu": results[0][1],
        "warm_wall": statistics.median(w for w, _ in warm),
        "warm_cpu": statistics.median(c for _, c in warm),
    }


def respond(reply: str):  # noqa: ANN201
    def answer(request) -> Reply:  # noqa: ANN001
        if isinstance(request.json, dict) and "format" in request.json:  # Ingle's commit message
            return Reply(text=json.dumps({"type": "docs", "scope": "json", "subject": "mark first functions"}))
        return Reply(text=reply)
    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (the first is cold)")
    parser.add_argument("--no-aider", action="store_true", help="measure Ingle only")
    parser.add_argument("--aider-venv", type=Path, default=default_aider_venv())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-turn-") as tmp:
        scratch = Path(tmp)
        repo, files = make_repo(scratch)
        reply = edit_reply(repo)
        with FakeOllama() as server:
            server.respond_with(respond(reply))
            base_env = {**os.environ, **GIT_ID, "HOME": str(scratch / "home")}
            (scratch / "home").mkdir()
            ingle_env = {**base_env, "OLLAMA_HOST": server.url, "INGLE_HOME": str(scratch / "ingle")}
            ingle = [str(ROOT / ".venv" / "bin" / "ingle"), "--batch", "--yes", "-m", INSTRUCTION, *EDITED]
            figures = {"ingle": measure("ingle", ingle, repo, ingle_env, args.runs)}
            figures["ingle --gates off"] = measure(
                "ingle", [*ingle[:2], "--gates", "off", *ingle[2:]], repo, ingle_env, args.runs
            )
            if not args.no_aider:
                try:
                    aider = aider_venv(args.aider_venv)
                except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
                    print(f"aider could not be installed ({exc}); measuring Ingle only")
                else:
                    aider_env = {**base_env, "OLLAMA_API_BASE": server.url,
                                 "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
                    argv = [str(aider), *AIDER_FLAGS, "--message", INSTRUCTION, *EDITED]
                    figures["aider"] = measure("aider", argv, repo, aider_env, args.runs)
    print(f"3-file edit turn on a {files}-file repository (stdlib {', '.join(PACKAGES)}), "
          f"{args.runs} runs each, model time ~0 (fake server)")
    print(f"{'':22}{'cold wall':>11}{'cold cpu':>10}{'warm wall':>11}{'warm cpu':>10}")
    for name, f in figures.items():
        print(f"{name:22}{f['cold_wall']:>10.2f}s{f['cold_cpu']:>9.2f}s"
              f"{f['warm_wall']:>10.2f}s{f['warm_cpu']:>9.2f}s")
    if "aider" in figures:
        a, i = figures["aider"], figures["ingle"]
        print(f"aider/ingle: warm wall {a['warm_wall'] / i['warm_wall']:.1f}x, warm cpu "
              f"{a['warm_cpu'] / i['warm_cpu']:.1f}x, cold wall {a['cold_wall'] / i['cold_wall']:.1f}x")


if __name__ == "__main__":
    main()
