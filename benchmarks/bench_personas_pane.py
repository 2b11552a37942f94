"""First paint of the Personas pane with 200 personas x 20 versions each.

Measures, in the same run, the time from pressing F5 (the pane is created on first open)
to its list holding every persona, for
  * baseline: the built-in personas only (one version each), and
  * large:    200 user personas with 20 stored versions each (4,000 version rows),
and the LabService.summaries() call behind the list on its own. Prints figures and the
large/baseline ratio; it never passes or fails on a time.

    .venv/bin/python benchmarks/bench_personas_pane.py [--personas N] [--versions N] [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingle.core.config.paths import IngleDirs
from ingle.memory.persona_versions import add_version
from ingle.memory.store import Store
from ingle.personas.registry import load_registry
from ingle.personas.toml_io import persona_to_toml, save_persona


def populate(home: Path, personas: int, versions: int) -> None:
    dirs = IngleDirs.from_env({"INGLE_HOME": str(home)})
    base = load_registry(None).get("my-coder").persona
    with Store(dirs.database) as store:
        for i in range(personas):
            name = f"bench-{i:03d}"
            for v in range(1, versions + 1):
                persona = base.model_copy(update={
                    "name": name, "version": v, "constraints": f"- revision {v} of persona {i}"})
                add_version(store, name, persona.content_hash(), persona_to_toml(persona),
                            changelog=f"revision {v}", author="user")
            save_persona(persona, dirs.user_personas)  # the file holds the last version


def make_repo(root: Path) -> Path:
    root.mkdir()
    (root / "main.py").write_text("print(1)\n")
    env = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@x",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@x"}
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    return root


async def first_paint(repo: Path) -> tuple[float, float, int]:
    """(seconds from F5 to a full list, seconds of summaries() alone, rows)."""
    from ingle.core.lab.service import LabService
    from ingle.tui.app import IngleApp

    app = IngleApp(repo)
    async with app.run_test(size=(140, 44)) as pilot:
        while app.workbench is None:  # the session opens in the background
            await pilot.pause()
        workbench = app.workbench
        expected = len(workbench.personas.names())
        started = time.perf_counter()
        await pilot.press("f5")
        while len(getattr(app.screen, "rows", [])) < expected:
            await pilot.pause()
        painted = time.perf_counter() - started
        clock = time.perf_counter()
        LabService(workbench).summaries()
        return painted, time.perf_counter() - clock, expected


def measure(personas: int, versions: int, rounds: int) -> dict[str, list[tuple[float, float, int]]]:
    results: dict[str, list[tuple[float, float, int]]] = {"baseline": [], "large": []}
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp) / "repo")
        homes = {"baseline": Path(tmp) / "home-base", "large": Path(tmp) / "home-large"}
        populate(homes["large"], personas, versions)
        for _ in range(rounds):
            for name, home in homes.items():  # alternating, so load drifts hit both alike
                os.environ["INGLE_HOME"] = str(home)
                results[name].append(asyncio.run(first_paint(repo)))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personas", type=int, default=200)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for key in ("OLLAMA_HOST", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        os.environ.pop(key, None)
    results = measure(args.personas, args.versions, args.rounds)
    medians = {}
    for name, rows in results.items():
        paint = statistics.median(r[0] for r in rows)
        summaries = statistics.median(r[1] for r in rows)
        medians[name] = paint
        print(f"{name:<8} {rows[0][2]:>4} personas: first paint {paint * 1000:7.1f} ms "
              f"(median of {len(rows)}), summaries() {summaries * 1000:6.1f} ms")
    print(f"ratio large/baseline first paint: {medians['large'] / medians['baseline']:.2f}x "
          f"({args.personas} personas x {args.versions} versions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
