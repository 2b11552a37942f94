"""The test gate: detect a repository's test command, choose the tests related to a
turn's changes, run them on a candidate tree with a time limit, and trim the output
to what a repair needs (failing tests, messages, the repository's frames)."""

from ingle.core.test_runs.detect import detect_test_command, resolve_test_command
from ingle.core.test_runs.invocation import TestTools
from ingle.core.test_runs.models import (
    RelatedSelection,
    TestCommand,
    TestFailure,
    TestRunResult,
    TestStatus,
)
from ingle.core.test_runs.related import related_tests
from ingle.core.test_runs.run import run_tests
from ingle.core.config.tests import TestSettings

__all__ = [
    "RelatedSelection",
    "TestCommand",
    "TestFailure",
    "TestRunResult",
    "TestSettings",
    "TestStatus",
    "TestTools",
    "detect_test_command",
    "related_tests",
    "resolve_test_command",
    "run_tests",
]
