"""Choosing a repository's default persona from the languages it is written in.

Java/Go -> my-coder, TypeScript/React -> my-frontend, anything else ->
my-generalist. Files are counted by extension; markup, styles, data and docs do
not vote. The choice can be overridden in config (Settings.persona) and per
session, in that order of strength: session, then config, then languages.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Iterable
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel

CODER = "my-coder"
FRONTEND = "my-frontend"
GENERALIST = "my-generalist"

# Programming languages by extension. Only these vote for a persona.
LANGUAGE_OF_EXTENSION: dict[str, str] = {
    ".java": "Java",
    ".go": "Go",
    ".ts": "TypeScript",
    ".mts": "TypeScript",
    ".cts": "TypeScript",
    ".tsx": "TypeScript/React",
    ".jsx": "React",
    ".js": "JavaScript",
    ".mjs": "JavaScript",
    ".cjs": "JavaScript",
    ".py": "Python",
    ".rs": "Rust",
    ".c": "C",
    ".h": "C",
    ".cc": "C++",
    ".cpp": "C++",
    ".cxx": "C++",
    ".hpp": "C++",
    ".cs": "C#",
    ".kt": "Kotlin",
    ".kts": "Kotlin",
    ".scala": "Scala",
    ".rb": "Ruby",
    ".php": "PHP",
    ".swift": "Swift",
    ".m": "Objective-C",
    ".dart": "Dart",
    ".lua": "Lua",
    ".sh": "Shell",
    ".bash": "Shell",
    ".ex": "Elixir",
    ".exs": "Elixir",
    ".erl": "Erlang",
    ".hs": "Haskell",
    ".ml": "OCaml",
    ".clj": "Clojure",
    ".r": "R",
    ".jl": "Julia",
    ".zig": "Zig",
    ".pl": "Perl",
    ".sql": "SQL",
}
PERSONA_OF_LANGUAGE: dict[str, str] = {
    "Java": CODER,
    "Go": CODER,
    "TypeScript": FRONTEND,
    "TypeScript/React": FRONTEND,
    "React": FRONTEND,
}
# Directories that hold other people's code or build output, skipped by the walk
# used outside git (inside git, .gitignore decides).
_SKIPPED_DIRS = frozenset(
    {"node_modules", "vendor", "target", "build", "dist", "out", "__pycache__", "venv", ".venv"}
)


class PersonaChoice(BaseModel):
    name: str
    # Why this persona: the session said so, the config did, or the languages did.
    reason: Literal["session", "config", "languages"]
    languages: dict[str, int] = {}
    # A session or config name that is not a known persona, ignored with a notice.
    ignored: list[str] = []


def count_languages(paths: Iterable[str]) -> dict[str, int]:
    """Programming-language file counts, largest first."""
    counts: Counter[str] = Counter()
    for path in paths:
        language = LANGUAGE_OF_EXTENSION.get(PurePosixPath(path).suffix.lower())
        if language:
            counts[language] += 1
    return dict(counts.most_common())


def persona_for_languages(counts: dict[str, int]) -> str:
    """The persona whose languages have the most files; ties and no code -> generalist."""
    votes: Counter[str] = Counter()
    for language, count in counts.items():
        votes[PERSONA_OF_LANGUAGE.get(language, GENERALIST)] += count
    if not votes:
        return GENERALIST
    ranked = votes.most_common()
    best, best_count = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == best_count:
        return GENERALIST
    return best


def choose_default_persona(
    paths: Iterable[str],
    available: Collection[str],
    *,
    configured: str | None = None,
    session: str | None = None,
) -> PersonaChoice:
    """Session beats config beats languages; a name that is not available is skipped."""
    ignored: list[str] = []
    for name, reason in ((session, "session"), (configured, "config")):
        if not name:
            continue
        if name in available:
            return PersonaChoice(name=name, reason=reason)  # type: ignore[arg-type]
        ignored.append(name)
    counts = count_languages(paths)
    name = persona_for_languages(counts)
    if name not in available and GENERALIST in available:
        name = GENERALIST
    return PersonaChoice(name=name, reason="languages", languages=counts, ignored=ignored)


def repository_files(repo: Path, limit: int = 50_000) -> list[str]:
    """Paths of the repository's files, relative, as `git ls-files` reports them
    (tracked plus untracked-but-not-ignored); outside git, a walk that skips
    hidden and vendored directories. At most `limit` paths: enough to vote."""
    import git  # GitPython; imported here because it is slow to import

    try:
        output = git.Repo(repo, search_parent_directories=False).git.ls_files(
            "--cached", "--others", "--exclude-standard"
        )
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandError, OSError):
        return _walk(repo, limit)
    return output.splitlines()[:limit]


def _walk(root: Path, limit: int) -> list[str]:
    found: list[str] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and d not in _SKIPPED_DIRS]
        base = Path(directory).relative_to(root)
        for name in files:
            found.append((base / name).as_posix())
            if len(found) >= limit:
                return found
    return found
