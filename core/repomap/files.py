"""The source files of a repository that the repo map reads, respecting .gitignore.

In a git work tree: tracked files plus untracked ones git does not ignore (git applies
.gitignore, .git/info/exclude and the global excludes file exactly as the user's git does).
Elsewhere: a directory walk that skips VCS metadata, dependency and build directories.
Only files in a language the map understands are kept; huge and binary files never are.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ingle.core.repomap.languages import language_for

MAX_FILE_BYTES = 1_000_000  # bigger files are generated or vendored, never worth a map line
BINARY_SNIFF_BYTES = 8192

# Directories a walk outside git never enters: VCS data, dependencies, virtualenvs, builds.
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", ".venv", "venv", "env",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox",
        "build", "dist", "target", "out", ".next", ".gradle", ".idea", ".vscode",
        "site-packages", ".eggs",
    }
)  # fmt: skip


class RepoFilesError(Exception):
    """The repository could not be listed (git failed, or the root is not a directory)."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the repository root, with forward slashes
    language: str
    mtime_ns: int
    size: int


def list_source_files(root: Path) -> list[SourceFile]:
    """Every mappable source file under `root`, sorted by path, with its stat identity."""
    if not root.is_dir():
        raise RepoFilesError(f"{root} is not a directory; give the repository's path")
    candidates = _git_paths(root) if _in_git_work_tree(root) else _walk_paths(root)
    files: list[SourceFile] = []
    for path in candidates:
        language = language_for(path)
        if language is None:
            continue
        try:
            info = os.stat(root / path)  # follows symlinks: a link to a file maps that file
        except OSError:
            continue  # deleted but still in git's index, or a dangling link
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            continue
        files.append(SourceFile(path, language, info.st_mtime_ns, info.st_size))
    files.sort(key=lambda f: f.path)
    return files


def looks_binary(data: bytes) -> bool:
    """A NUL byte early on: not text (how git and grep decide it too)."""
    return b"\0" in data[:BINARY_SNIFF_BYTES]


def _in_git_work_tree(root: Path) -> bool:
    return any((directory / ".git").exists() for directory in (root, *root.parents))


def _git_paths(root: Path) -> list[str]:
    import git

    try:
        # -z: paths come verbatim (no quoting of unusual names); run from root, git
        # lists only what is below it, relative to it.
        out = git.Git(str(root)).ls_files(
            "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"
        )
    except git.GitCommandError as exc:
        raise RepoFilesError(
            f"`git ls-files` failed in {root}: {exc.stderr.strip() or exc}; "
            "check that git works there (`git status`)"
        ) from exc
    except git.GitCommandNotFound as exc:
        raise RepoFilesError("git is not installed or not on PATH; install git") from exc
    return [p for p in out.split("\0") if p]


def _walk_paths(root: Path) -> list[str]:
    found: list[str] = []
    for directory, subdirs, names in os.walk(root):
        subdirs[:] = [
            d for d in subdirs if d not in SKIP_DIRS and not _is_virtualenv(Path(directory, d))
        ]
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.extend(prefix + name for name in names)
    return found


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()
