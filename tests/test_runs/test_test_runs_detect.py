"""Test-gate detection: which test command a repository's files point at, and why;
the `tests` settings section (off by default, command sensitive)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from ingle.core.config.loader import sensitive_paths
from ingle.core.test_runs.detect import (
    configured_command,
    detect_test_command,
    detect_test_commands,
    guess_output_format,
    resolve_test_command,
)
from ingle.core.test_runs.models import OutputFormat, TestKind
from ingle.core.config.tests import TestSettings
from tests.test_repos.writer import write_repo


def _package_json(scripts: dict[str, str], **extra: object) -> str:
    return json.dumps({"name": "demo", "version": "1.0.0", "scripts": scripts, **extra})


@pytest.mark.parametrize(
    ("files", "kind", "shown", "reason"),
    [
        ({"tests/test_calc.py": "", "calc.py": ""}, TestKind.PYTEST, "python -m pytest", "Python files in tests/"),
        ({"test_calc.py": ""}, TestKind.PYTEST, "python -m pytest", "test_*.py files at the top level"),
        ({"pytest.ini": "[pytest]\n"}, TestKind.PYTEST, "python -m pytest", "pytest.ini"),
        ({"pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n"}, TestKind.PYTEST,
         "python -m pytest", "[tool.pytest] in pyproject.toml"),
        ({"setup.cfg": "[tool:pytest]\n"}, TestKind.PYTEST, "python -m pytest", "[tool:pytest] in setup.cfg"),
        ({"tox.ini": "[tox]\n\n[pytest]\n"}, TestKind.PYTEST, "python -m pytest", "[pytest] in tox.ini"),
        ({"go.mod": "module example.com/x\n"}, TestKind.GO, "go test ./...", "go.mod"),
        ({"Cargo.toml": "[package]\nname = 'x'\n"}, TestKind.CARGO, "cargo test", "Cargo.toml"),
        ({"pom.xml": "<project/>"}, TestKind.MAVEN, "mvn -q test", "pom.xml"),
        ({"pom.xml": "<project/>", "mvnw": "#!/bin/sh\n"}, TestKind.MAVEN, "./mvnw -q test",
         "pom.xml and the Maven wrapper mvnw"),
        ({"build.gradle": ""}, TestKind.GRADLE, "gradle test", "build.gradle"),
        ({"build.gradle.kts": "", "gradlew": "#!/bin/sh\n"}, TestKind.GRADLE, "./gradlew test",
         "build.gradle.kts and the Gradle wrapper gradlew"),
        ({"package.json": _package_json({"test": "node --test"})}, TestKind.NPM, "npm test",
         'the "test" script in package.json: node --test'),
        ({"package.json": _package_json({}), "vitest.config.ts": "export default {}\n"},
         TestKind.VITEST, "vitest run", "vitest.config.ts"),
        ({"package.json": _package_json({"build": "tsc"}, devDependencies={"vitest": "^3.2.0"})},
         TestKind.VITEST, "vitest run", "vitest in package.json dependencies"),
    ],
)  # fmt: skip
def test_each_ecosystem_is_detected_from_its_files_with_the_reason(
    tmp_path: Path, files: dict[str, str], kind: TestKind, shown: str, reason: str
) -> None:
    command = detect_test_command(write_repo(tmp_path, files))
    assert command is not None
    assert (command.kind, command.shown(), command.reason, command.source) == (
        kind,
        shown,
        reason,
        "detected",
    )


def test_a_repository_without_tests_has_no_command(tmp_path: Path) -> None:
    write_repo(tmp_path, {"README.md": "# x\n", "main.py": "print(1)\n", "tests/data.json": "{}"})
    assert detect_test_command(tmp_path) is None


def test_npm_init_placeholder_script_is_not_a_test_suite(tmp_path: Path) -> None:
    placeholder = 'echo "Error: no test specified" && exit 1'
    write_repo(tmp_path, {"package.json": _package_json({"test": placeholder})})
    assert detect_test_command(tmp_path) is None


def test_a_broken_package_json_or_pyproject_is_no_reason_to_stop(tmp_path: Path) -> None:
    write_repo(
        tmp_path, {"package.json": "{not json", "pyproject.toml": "[broken", "go.mod": "module x\n"}
    )
    command = detect_test_command(tmp_path)
    assert command is not None and command.kind is TestKind.GO


def test_the_npm_script_decides_which_output_to_expect(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "package.json": _package_json({"test": "vitest run"}),
            "vitest.config.js": "export default {}\n",
        },
    )
    found = detect_test_commands(tmp_path)
    # One JS command: the real test script wins over the vitest config it already runs.
    assert [(c.kind, c.output_format) for c in found] == [(TestKind.NPM, OutputFormat.VITEST)]


def test_several_ecosystems_pick_one_and_name_the_others(tmp_path: Path) -> None:
    write_repo(
        tmp_path,
        {
            "go.mod": "module x\n",
            "package.json": _package_json({"test": "jest"}),
            "tests/test_a.py": "",
        },
    )
    command = detect_test_command(tmp_path)
    assert command is not None and command.kind is TestKind.GO
    assert command.reason == (
        "go.mod (also found: npm test, python -m pytest; set tests.command to choose)"
    )


def test_explicit_pytest_configuration_outranks_other_build_files(tmp_path: Path) -> None:
    write_repo(tmp_path, {"conftest.py": "", "package.json": _package_json({"test": "jest"})})
    command = detect_test_command(tmp_path)
    assert command is not None and command.kind is TestKind.PYTEST
    assert command.reason.startswith("conftest.py (also found: npm test")


def test_configured_command_wins_over_detection(tmp_path: Path) -> None:
    write_repo(tmp_path, {"go.mod": "module x\n"})
    command = resolve_test_command(TestSettings(command="make check"), tmp_path)
    assert command is not None
    assert (command.kind, command.shown(), command.source, command.reason) == (
        TestKind.CUSTOM,
        "make check",
        "config",
        "tests.command in config",
    )
    detected = resolve_test_command(TestSettings(command="  "), tmp_path)
    assert detected is not None and detected.kind is TestKind.GO


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("python -m pytest -x tests/", OutputFormat.PYTEST),
        ("go test -race ./...", OutputFormat.GO),
        ("cargo test --workspace", OutputFormat.CARGO),
        ("npx vitest run", OutputFormat.VITEST),
        ("jest --ci", OutputFormat.JEST),
        ("node --test test/", OutputFormat.NODE),
        ("./mvnw -q verify", OutputFormat.MAVEN),
        ("./gradlew check", OutputFormat.GRADLE),
        ("make check", OutputFormat.UNKNOWN),
        ("echo 'unbalanced", OutputFormat.UNKNOWN),
    ],
)
def test_a_configured_commands_output_format_is_guessed_from_its_words(
    command: str, expected: OutputFormat
) -> None:
    assert guess_output_format(command) is expected
    assert configured_command(command).output_format is expected


def test_test_settings_are_off_by_default_and_the_command_is_sensitive() -> None:
    settings = TestSettings()
    assert (settings.enabled, settings.command, settings.related_first) == (False, None, True)
    assert settings.timeout_s > 0
    # The loader refuses sensitive keys from an untrusted repository's .ingle.toml.
    assert sensitive_paths(TestSettings) == ["command"]
    with pytest.raises(ValidationError, match="timout_s"):
        TestSettings.model_validate({"timout_s": 5})
    with pytest.raises(ValidationError, match="greater than 0"):
        TestSettings(timeout_s=0)
