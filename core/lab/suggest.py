"""Personas proposed from what a repository holds: its languages by lines of code, the
frameworks its manifests name (package.json, go.mod, pom.xml, pyproject.toml, ...), and
its test tools. Each proposal is a persona derived from a built-in, with the reason."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from ingle.personas.languages import LANGUAGE_OF_EXTENSION, repository_files

MAX_FILES = 5000
MAX_FILE_BYTES = 1_000_000

# Manifest dependency -> (framework or test tool, kind). Kind "test" marks test tools.
_JS_PACKAGES = {
    "react": "React", "next": "Next.js", "vue": "Vue", "svelte": "Svelte",
    "@angular/core": "Angular", "express": "Express", "typescript": "TypeScript",
    "jest": "Jest", "vitest": "Vitest", "mocha": "Mocha", "@playwright/test": "Playwright",
    "cypress": "Cypress",
}
_JS_TESTS = {"Jest", "Vitest", "Mocha", "Playwright", "Cypress"}
_GO_MODULES = {"github.com/gin-gonic/gin": "Gin", "github.com/labstack/echo": "Echo",
               "github.com/go-chi/chi": "chi", "github.com/stretchr/testify": "testify"}
_PY_PACKAGES = {"django": "Django", "flask": "Flask", "fastapi": "FastAPI", "pytest": "pytest",
                "pydantic": "pydantic", "textual": "Textual", "numpy": "NumPy", "pandas": "pandas"}
_JAVA_ARTIFACTS = {"spring-boot": "Spring Boot", "junit": "JUnit", "quarkus": "Quarkus",
                   "mockito": "Mockito"}
_TEST_TOOLS = _JS_TESTS | {"testify", "pytest", "JUnit", "Mockito", "go test", "cargo test"}

# Language -> (built-in to derive from, persona name, task kind)
_PERSONA_FOR: dict[str, tuple[str, str]] = {
    "Go": ("my-coder", "go-coder"), "Java": ("my-coder", "java-coder"),
    "Python": ("my-coder", "python-coder"), "Rust": ("my-coder", "rust-coder"),
    "TypeScript": ("my-frontend", "ts-frontend"), "TypeScript/React": ("my-frontend",
                                                                       "react-frontend"),
    "React": ("my-frontend", "react-frontend"), "JavaScript": ("my-frontend", "js-frontend"),
}


class RepoProfile(BaseModel):
    languages: dict[str, int] = Field(default_factory=dict)  # lines of code, largest first
    frameworks: dict[str, str] = Field(default_factory=dict)  # name -> the manifest naming it
    test_tools: list[str] = Field(default_factory=list)


class Suggestion(BaseModel):
    name: str
    base: str
    description: str
    constraints: str
    reason: str
    languages: list[str]
    frameworks: list[str]


def profile_repository(root: Path) -> RepoProfile:
    lines: Counter[str] = Counter()
    for rel in repository_files(root)[:MAX_FILES]:
        language = LANGUAGE_OF_EXTENSION.get(PurePosixPath(rel).suffix.lower())
        path = root / rel
        if not language or not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            continue
        with path.open("rb") as handle:
            lines[language] += sum(1 for line in handle if line.strip())
    profile = RepoProfile(languages=dict(lines.most_common()))
    for manifest, reader in _MANIFESTS.items():
        path = root / manifest
        if path.is_file():
            for name in reader(path.read_text(encoding="utf-8", errors="replace")):
                profile.frameworks.setdefault(name, manifest)
    if "Go" in profile.languages and any(r.endswith("_test.go") for r in repository_files(root)):
        profile.frameworks.setdefault("go test", "*_test.go files")
    if (root / "Cargo.toml").is_file():
        profile.frameworks.setdefault("cargo test", "Cargo.toml")
    profile.test_tools = [name for name in profile.frameworks if name in _TEST_TOOLS]
    return profile


def _package_json(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return []
    names = {**data.get("dependencies", {}), **data.get("devDependencies", {})}
    return [label for package, label in _JS_PACKAGES.items() if package in names]


def _go_mod(text: str) -> list[str]:
    return [label for module, label in _GO_MODULES.items() if module in text]


def _pom(text: str) -> list[str]:
    artifacts = re.findall(r"<artifactId>([^<]+)</artifactId>", text)
    return [label for key, label in _JAVA_ARTIFACTS.items() if any(key in a for a in artifacts)]


def _python(text: str) -> list[str]:
    try:
        data = tomllib.loads(text)
        project = data.get("project", {})
        deps = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            deps += extra
        deps += list(data.get("tool", {}).get("poetry", {}).get("dependencies", {}))
        text = " ".join(deps) + (" pytest" if "pytest" in data.get("tool", {}) else "")
    except tomllib.TOMLDecodeError:
        pass
    words = set(re.findall(r"[A-Za-z0-9_.-]+", text.lower()))
    return [label for package, label in _PY_PACKAGES.items() if package in words]


_MANIFESTS = {"package.json": _package_json, "go.mod": _go_mod, "pom.xml": _pom,
              "pyproject.toml": _python, "requirements.txt": _python}


def suggest(profile: RepoProfile, known: set[str]) -> list[Suggestion]:
    """One persona per main language (at least 10% of the code), derived from a built-in;
    a reviewer when there are tests to run. Names already taken are left out."""
    total = sum(profile.languages.values())
    out: list[Suggestion] = []
    frameworks = [f for f in profile.frameworks if f not in profile.test_tools]
    for language, count in profile.languages.items():
        if language not in _PERSONA_FOR or count * 10 < total:
            continue
        base, name = _PERSONA_FOR[language]
        if name in known or any(s.name == name for s in out):
            continue
        share = f"{language}: {count} of {total} lines of code ({count * 100 // total}%)"
        used = [f for f in frameworks if _fits(language, f)]
        tests = [t for t in profile.test_tools if _fits(language, t)]
        reason = share + (f"; frameworks: {', '.join(f'{f} ({profile.frameworks[f]})' for f in used)}"
                          if used else "") + (f"; tests: {', '.join(tests)}" if tests else "")
        constraints = [f"Write {language} that fits this repository's conventions."]
        if used:
            constraints.append(f"The code uses {', '.join(used)}; follow their idioms.")
        if tests:
            constraints.append(f"Tests run with {', '.join(tests)}; add or update them with each change.")
        out.append(Suggestion(
            name=name, base=base, description=f"{language} work in this repository",
            constraints="\n".join(f"- {c}" for c in constraints), reason=reason,
            languages=[language], frameworks=used + tests,
        ))
    if profile.test_tools and "my-reviewer" in known and "repo-reviewer" not in known:
        out.append(Suggestion(
            name="repo-reviewer", base="my-reviewer", description="reviews changes in this repository",
            constraints=f"- Check that changes come with tests ({', '.join(profile.test_tools)}).",
            reason=f"the repository has tests ({', '.join(profile.test_tools)}): a reviewer can "
            "hold changes to them", languages=list(profile.languages)[:3],
            frameworks=profile.test_tools,
        ))
    return out


_ECOSYSTEM = {
    "Go": {"Gin", "Echo", "chi", "testify", "go test"},
    "Java": {"Spring Boot", "JUnit", "Quarkus", "Mockito"},
    "Python": {"Django", "Flask", "FastAPI", "pytest", "pydantic", "Textual", "NumPy", "pandas"},
    "Rust": {"cargo test"},
}


def _fits(language: str, framework: str) -> bool:
    if language in _ECOSYSTEM:
        return framework in _ECOSYSTEM[language]
    return framework in set(_JS_PACKAGES.values())  # the JavaScript family
