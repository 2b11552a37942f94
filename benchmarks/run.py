"""Run every benchmarks/bench_*.py, one after another, and print what each one reports.

    .venv/bin/python benchmarks/run.py            # all of them
    .venv/bin/python benchmarks/run.py stream     # only those whose name contains "stream"

Benchmarks print figures and ratios against a baseline measured in the same run;
none of them passes or fails on a time. Exit status is non-zero only when a
benchmark crashed. They run one at a time: the machine's cores are shared.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = [w for w in argv if not w.startswith("-")]
    scripts = sorted(p for p in HERE.glob("bench_*.py")
                     if not wanted or any(w in p.stem for w in wanted))
    if not scripts:
        print(f"no benchmark in {HERE} matches {' '.join(wanted)}", file=sys.stderr)
        return 2
    crashed = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        started = time.perf_counter()
        # Output streams straight through: long benchmarks show progress as they go.
        done = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(f"=== {script.name}: {'ok' if done.returncode == 0 else f'CRASHED ({done.returncode})'}"
              f" in {time.perf_counter() - started:.1f}s\n", flush=True)
        if done.returncode != 0:
            crashed.append(script.name)
    if crashed:
        print(f"crashed: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
