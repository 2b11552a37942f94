"""Aider, installed for comparison only: a throwaway virtualenv that benchmarks create.

aider-chat is never a dependency of Ingle; benchmarks measure it in the same run, on the
same input, to report ratios.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def default_aider_venv() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "ingle-bench" / "aider-venv"


def aider_venv(path: Path) -> Path:
    """The aider executable in the throwaway virtualenv at `path`, created once."""
    aider = path / "bin" / "aider"
    if aider.exists():
        return aider
    print(f"installing aider-chat into {path} (throwaway; about a minute) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    pip = subprocess.run(
        [str(path / "bin" / "python"), "-m", "pip", "install", "-q", "aider-chat"],
        capture_output=True,
        text=True,
        check=False,
    )
    if pip.returncode != 0:
        shutil.rmtree(path, ignore_errors=True)  # half an install would pass for a whole one
        raise RuntimeError(f"pip install aider-chat failed:\n{pip.stderr[-2000:]}")
    return aider
