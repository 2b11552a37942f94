"""The few-shot example library: one good example can serve several personas.

Each example is one TOML file, `<kind>/<name>.toml` (kind is a task kind), with
`description`, `input` (the user's message) and `output` (the ideal reply).
Personas reference examples as `kind/name`. The built-in library ships in
`personas/examples/`; the user's own lives in `<user personas dir>/examples/`
and overrides a built-in example of the same reference.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingle.personas.languages import LANGUAGE_OF_EXTENSION
from ingle.personas.model import NAME_PATTERN, TASK_KINDS, TaskKind
from ingle.personas.problems import FileProblem, FileRejected, read_toml_file, validation_problems

BUILTIN_EXAMPLES_DIR = Path(__file__).parent / "examples"


class ExampleFile(BaseModel):
    """What an example file holds."""

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    input: str = Field(min_length=1)
    output: str = Field(min_length=1)

    @field_validator("input", "output")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("empty; an example needs real text")
        return value


class Example(BaseModel):
    """A loaded example and where it came from."""

    model_config = ConfigDict(frozen=True)

    ref: str  # "code/go-http-handler"
    kind: TaskKind
    description: str
    input: str
    output: str
    path: Path


class ExampleLibrary(BaseModel):
    examples: dict[str, Example] = Field(default_factory=dict)
    problems: list[FileProblem] = Field(default_factory=list)

    def get(self, ref: str) -> Example | None:
        return self.examples.get(ref)

    def for_kind(self, kind: str) -> list[Example]:
        return [e for e in self.examples.values() if e.kind == kind]


def load_example(path: Path, kind: TaskKind) -> Example:
    data = read_toml_file(path)
    try:
        parsed = ExampleFile.model_validate(data)
    except ValidationError as exc:
        raise FileRejected(validation_problems(path, exc, ExampleFile)) from exc
    return Example(
        ref=f"{kind}/{path.stem}",
        kind=kind,
        description=parsed.description,
        input=parsed.input,
        output=parsed.output,
        path=path,
    )


def load_example_library(roots: Sequence[Path]) -> ExampleLibrary:
    """Every example under the roots; a later root's example overrides an earlier one."""
    library = ExampleLibrary()
    for root in roots:
        if not root.is_dir():
            continue
        for kind_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            if kind_dir.name not in TASK_KINDS:
                library.problems.append(
                    FileProblem(
                        path=kind_dir,
                        message=f"not a task kind directory; use one of {', '.join(TASK_KINDS)}",
                    )
                )
                continue
            for path in sorted(kind_dir.glob("*.toml")):
                if not NAME_PATTERN.match(path.stem):
                    library.problems.append(
                        FileProblem(
                            path=path,
                            message="file name must be lower-case letters, digits, '.', '_' or '-'",
                        )
                    )
                    continue
                try:
                    example = load_example(path, kind_dir.name)  # type: ignore[arg-type]
                except FileRejected as exc:
                    library.problems.extend(exc.problems)
                    continue
                library.examples[example.ref] = example
    return library


# Code fence tags to languages (the names personas/languages.py counts files by).
_FENCE_LANGUAGE = {
    "python": "Python", "py": "Python", "go": "Go", "java": "Java", "rust": "Rust",
    "rs": "Rust", "ts": "TypeScript", "typescript": "TypeScript", "tsx": "TypeScript/React",
    "jsx": "React", "js": "JavaScript", "javascript": "JavaScript", "c": "C", "cpp": "C++",
    "csharp": "C#", "kotlin": "Kotlin", "ruby": "Ruby", "php": "PHP", "swift": "Swift",
}
_FENCE = re.compile(r"^\s*(?:```|~~~)\s*([A-Za-z+#]+)", re.MULTILINE)
_PATH = re.compile(r"^\s*([\w./-]+\.[A-Za-z]+)\s*$", re.MULTILINE)
MAX_CHOSEN = 2


def example_languages(example: Example) -> set[str]:
    """The languages an example's code is in, from its fences and the paths it edits."""
    text = f"{example.input}\n{example.output}"
    found = {_FENCE_LANGUAGE[tag.lower()] for tag in _FENCE.findall(text) if tag.lower() in _FENCE_LANGUAGE}
    for path in _PATH.findall(text):
        language = LANGUAGE_OF_EXTENSION.get(PurePosixPath(path).suffix.lower())
        if language:
            found.add(language)
    return found


def choose_examples(
    own: Sequence[Example], of_kind: Sequence[Example], languages: Collection[str],
    limit: int = MAX_CHOSEN,
) -> list[Example]:
    """The few-shot examples for a repository in `languages` and a task: the persona's own
    and the library's for the task's kind, those in the repository's languages first (the
    persona's before the library's). With none in its languages, the persona's shortest
    one alone still shows the reply format; examples in other languages are left out."""
    wanted = set(languages)
    candidates = list(own) + [e for e in of_kind if e.ref not in {o.ref for o in own}]
    matching = [e for e in candidates if example_languages(e) & wanted]
    if matching:
        return matching[:limit]
    if not own:
        return []
    return [min(own, key=lambda e: len(e.input) + len(e.output))]
