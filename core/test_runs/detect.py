"""Finding a repository's test command from its files, or taking it from trusted config.

Detection reads files only (no tool is started), so it is cheap and safe on an
untrusted repository. When several ecosystems are present the first match wins in
the order below and the reason names the others, so the person can set
`tests.command` to choose.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from collections.abc import Callable
from pathlib import Path

from ingle.core.test_runs.models import OutputFormat, TestCommand, TestKind
from ingle.core.config.tests import TestSettings

# `npm init` writes this placeholder; it is not a test suite.
_NPM_PLACEHOLDER = re.compile(r'echo\s+\\?"?Error: no test specified')
_VITEST_CONFIGS = tuple(
    f"{stem}.{ext}" for stem in ("vitest.config", "vitest.workspace")
    for ext in ("ts", "mts", "cts", "js", "mjs", "cjs")
)  # fmt: skip
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    "build",
    "dist",
}


def resolve_test_command(settings: TestSettings, root: Path) -> TestCommand | None:
    """The configured command when there is one (config is trusted by the loader's
    rules), else the detected one; None when the repository has no tests we know of."""
    if settings.command and settings.command.strip():
        return configured_command(settings.command)
    return detect_test_command(root)


def configured_command(command: str) -> TestCommand:
    return TestCommand(
        kind=TestKind.CUSTOM,
        argv=[command.strip()],
        output_format=guess_output_format(command),
        reason="tests.command in config",
        source="config",
    )


def detect_test_command(root: Path) -> TestCommand | None:
    found = detect_test_commands(root)
    if not found:
        return None
    first = found[0]
    if len(found) > 1:
        others = ", ".join(c.shown() for c in found[1:])
        first = first.model_copy(
            update={"reason": f"{first.reason} (also found: {others}; set tests.command to choose)"}
        )
    return first


def detect_test_commands(root: Path) -> list[TestCommand]:
    """Every test command the repository's files point at, strongest signal first."""
    found: list[TestCommand] = []
    families: set[str] = set()
    for probe in _PROBES:
        command = probe(root)
        # One per ecosystem: a vitest config under a real npm test script is that script's.
        family = "js" if command and command.kind in (TestKind.NPM, TestKind.VITEST) else None
        if command is not None and (family or command.kind) not in families:
            families.add(family or command.kind)
            found.append(command)
    return found


def _pytest_config(root: Path) -> TestCommand | None:
    reason = _pytest_config_reason(root)
    if reason is None:
        return None
    return _pytest(reason)


def _pytest_config_reason(root: Path) -> str | None:
    if (root / "pytest.ini").is_file():
        return "pytest.ini"
    if (root / "conftest.py").is_file():
        return "conftest.py"
    pyproject = _read_toml(root / "pyproject.toml")
    if pyproject.get("tool", {}).get("pytest") is not None:
        return "[tool.pytest] in pyproject.toml"
    if _has_line(root / "tox.ini", "[pytest]"):
        return "[pytest] in tox.ini"
    if _has_line(root / "setup.cfg", "[tool:pytest]"):
        return "[tool:pytest] in setup.cfg"
    return None


def _pytest_files(root: Path) -> TestCommand | None:
    tests_dir = root / "tests"
    if tests_dir.is_dir() and any(_python_files(tests_dir, limit=1)):
        return _pytest("Python files in tests/")
    test_dir = root / "test"
    if test_dir.is_dir() and any(_is_python_test(p.name) for p in _python_files(test_dir, 200)):
        return _pytest("test_*.py files in test/")
    if any(_is_python_test(p.name) for p in root.glob("*.py")):
        return _pytest("test_*.py files at the top level")
    return None


def _pytest(reason: str) -> TestCommand:
    return TestCommand(
        kind=TestKind.PYTEST,
        argv=["python", "-m", "pytest"],
        output_format=OutputFormat.PYTEST,
        reason=reason,
    )


def _go(root: Path) -> TestCommand | None:
    if not (root / "go.mod").is_file():
        return None
    return TestCommand(
        kind=TestKind.GO,
        argv=["go", "test", "./..."],
        output_format=OutputFormat.GO,
        reason="go.mod",
    )


def _cargo(root: Path) -> TestCommand | None:
    if not (root / "Cargo.toml").is_file():
        return None
    return TestCommand(
        kind=TestKind.CARGO,
        argv=["cargo", "test"],
        output_format=OutputFormat.CARGO,
        reason="Cargo.toml",
    )


def _maven(root: Path) -> TestCommand | None:
    if not (root / "pom.xml").is_file():
        return None
    wrapper = (root / "mvnw").is_file()
    return TestCommand(
        kind=TestKind.MAVEN,
        argv=["./mvnw" if wrapper else "mvn", "-q", "test"],
        output_format=OutputFormat.MAVEN,
        reason="pom.xml" + (" and the Maven wrapper mvnw" if wrapper else ""),
    )


def _gradle(root: Path) -> TestCommand | None:
    build = next(
        (n for n in ("build.gradle.kts", "build.gradle", "settings.gradle.kts", "settings.gradle")
         if (root / n).is_file()),
        None,
    )  # fmt: skip
    if build is None:
        return None
    wrapper = (root / "gradlew").is_file()
    return TestCommand(
        kind=TestKind.GRADLE,
        argv=["./gradlew" if wrapper else "gradle", "test"],
        output_format=OutputFormat.GRADLE,
        reason=build + (" and the Gradle wrapper gradlew" if wrapper else ""),
    )


def _npm(root: Path) -> TestCommand | None:
    package = _read_package_json(root)
    script = (
        package.get("scripts", {}).get("test") if isinstance(package.get("scripts"), dict) else None
    )
    if not isinstance(script, str) or not script.strip() or _NPM_PLACEHOLDER.search(script):
        return None
    return TestCommand(
        kind=TestKind.NPM,
        argv=["npm", "test"],
        output_format=guess_output_format(script),
        reason=f'the "test" script in package.json: {script}',
    )


def _vitest(root: Path) -> TestCommand | None:
    config = next((n for n in _VITEST_CONFIGS if (root / n).is_file()), None)
    if config is None:
        package = _read_package_json(root)
        deps = {**_dict(package.get("dependencies")), **_dict(package.get("devDependencies"))}
        if "vitest" not in deps:
            return None
        config = "vitest in package.json dependencies"
    return TestCommand(
        kind=TestKind.VITEST,
        argv=["vitest", "run"],
        output_format=OutputFormat.VITEST,
        reason=config,
    )


# Strongest signal first: explicit pytest configuration, then a build file that names
# exactly one ecosystem, then a JS test script, then Python test files alone.
_PROBES: tuple[Callable[[Path], TestCommand | None], ...] = (
    _pytest_config, _go, _cargo, _maven, _gradle, _npm, _vitest, _pytest_files,
)  # fmt: skip


def guess_output_format(command: str) -> OutputFormat:
    """Which framework's output a command line will print, from its words."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    text = " ".join(words)
    checks: tuple[tuple[str, OutputFormat], ...] = (
        (r"\bpytest\b|py\.test", OutputFormat.PYTEST),
        (r"\bgo test\b", OutputFormat.GO),
        (r"\bcargo (test|nextest)\b", OutputFormat.CARGO),
        (r"\bvitest\b", OutputFormat.VITEST),
        (r"\bjest\b", OutputFormat.JEST),
        (r"\bnode\b.*--test\b", OutputFormat.NODE),
        (r"\b(mvn|mvnw)\b", OutputFormat.MAVEN),
        (r"\b(gradle|gradlew)\b", OutputFormat.GRADLE),
    )
    for pattern, output_format in checks:
        if re.search(pattern, text):
            return output_format
    return OutputFormat.UNKNOWN


def _is_python_test(name: str) -> bool:
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def _python_files(directory: Path, limit: int) -> list[Path]:
    found: list[Path] = []
    for path in directory.rglob("*.py"):
        if _SKIP_DIRS.intersection(path.relative_to(directory).parts):
            continue
        found.append(path)
        if len(found) >= limit:
            break
    return found


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # a broken pyproject is the project's own problem, not a reason to stop


def _read_package_json(root: Path) -> dict:
    try:
        data = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _has_line(path: Path, line: str) -> bool:
    try:
        return any(raw.strip() == line for raw in path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return False
