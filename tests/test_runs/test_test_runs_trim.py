"""Trimming recorded test output (real runs of cargo, jest, vitest and node --test,
and Surefire/Gradle output in their documented formats) to failing tests, messages
and the repository's frames; cleaning colours and temp-tree paths."""

from __future__ import annotations

import pytest

from ingle.core.test_runs.models import OutputFormat, TestFailure, TestStatus, TrimmedOutput
from ingle.core.test_runs.output_text import clean_output, clip_lines, last_frames
from ingle.core.test_runs.report import decide_status, model_summary
from ingle.core.test_runs.trim import recognise_format, trim_output
from tests.test_repos.writer import recorded_output

# Where each recording was made (its absolute paths become relative).
ROOTS = {
    "cargo": "/home/dev/calc-rs",
    "jest": "/home/dev/calc-jest",
    "vitest": "/home/dev/calc-vitest",
    "node": "/home/dev/calc-js",
    "maven": "/home/dev/calc-java",
    "gradle": "/home/dev/calc-java",
}

Row = tuple[str, str, str, bool]


def _rows(trimmed: TrimmedOutput) -> list[Row]:
    return [(f.name, f.message, f.trace, f.error) for f in trimmed.failures]


def _trim(name: str) -> TrimmedOutput:
    root = next(r for prefix, r in ROOTS.items() if name.startswith(prefix))
    return trim_output(OutputFormat.UNKNOWN, recorded_output(name), [root])


CASES: list[tuple[str, str, list[Row]]] = [
    (
        "cargo.txt",
        "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
        [
            ("tests::adds_three", "assertion `left == right` failed\n  left: 6\n right: 5",
             "panicked at src/lib.rs:20:9", False),
            ("tests::index", "index out of bounds: the len is 2 but the index is 5",
             "panicked at src/lib.rs:6:5", False),
        ],
    ),
    (
        "cargo_backtrace.txt",
        "test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out",
        [
            ("tests::adds_three", "assertion `left == right` failed\n  left: 6\n right: 5",
             "calc::tests::adds_three at src/lib.rs:20\npanicked at src/lib.rs:20:9", False),
            ("tests::index", "index out of bounds: the len is 2 but the index is 5",
             "calc::tests::index at src/lib.rs:25\ncalc::get at src/lib.rs:6\npanicked at src/lib.rs:6:5",
             False),
        ],
    ),
    (
        "cargo_build.txt",
        "",
        [
            ("compile error src/lib.rs:3:1",
             "error: expected expression, found `}`\n --> src/lib.rs:3:1\n  |\n3 | }\n  | ^ expected expression",
             "", True),
        ],
    ),
    (
        "jest.txt",
        "Tests: 2 failed, 1 passed, 3 total",
        [
            ("calc › adds three",
             "expect(received).toBe(expected) // Object.is equality\n\nExpected: 5\nReceived: 6",
             "Object.toBe (test/calc.test.js:4:46)", False),
            ("throws", "TypeError: boom", "Object.<anonymous> (test/calc.test.js:6:28)", False),
        ],
    ),
    (
        "vitest.txt",
        "Tests 2 failed | 1 passed (3)",
        [
            ("test/calc.test.js > calc > adds three",
             "AssertionError: expected 6 to be 5 // Object.is equality\n\n- Expected\n+ Received\n\n- 5\n+ 6",
             "test/calc.test.js:5:46", False),
            ("test/calc.test.js > throws", "TypeError: boom", "test/calc.test.js:7:28", False),
        ],
    ),
    (
        "node_tap.txt",
        "tests 4, pass 2, fail 2",
        [
            # Suites that failed only because a test inside did are left out.
            ("calc > nested > multiplies",
             ("AssertionError: Expected values to be strictly deep-equal:\n+ actual - expected\n\n"
              "  {\n+   a: 1\n-   a: 2\n  }"),
             "TestContext.<anonymous> (test/a.test.js:6:37)", False),
            ("throws", "TypeError: bad input",
             "TestContext.<anonymous> (test/b.test.js:3:24)\nboom (test/b.test.js:2:25)", False),
        ],
    ),
    (
        "node_spec.txt",
        "tests 4, pass 2, fail 2",
        [
            ("multiplies (test/a.test.js:6:5)",
             ("AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:\n"
              "+ actual - expected\n\n  {\n+   a: 1\n-   a: 2\n  }"),
             "TestContext.<anonymous> (test/a.test.js:6:37)", False),
            ("throws (test/b.test.js:3:1)", "TypeError [Error]: bad input",
             "TestContext.<anonymous> (test/b.test.js:3:24)\nboom (test/b.test.js:2:25)", False),
        ],
    ),
    (
        "node_tap_syntax.txt",
        "tests 1, pass 0, fail 1",
        [
            # The test file did not load: its stderr (TAP comments) says why.
            ("test/c.test.js",
             "calc.js:1\nexports.add = (a, b) => a +;\n                           ^\nSyntaxError: Unexpected token ';'",
             "Object.<anonymous> (test/c.test.js:2:17)", True),
        ],
    ),
    (
        "maven_surefire3.txt",
        "Tests run: 2, Failures: 1, Errors: 1, Skipped: 0",
        [
            ("com.example.CalcTest.adds", "org.opentest4j.AssertionFailedError: expected: <4> but was: <5>",
             "com.example.CalcTest.adds(CalcTest.java:10)", False),
            ("com.example.CalcTest.divides", "java.lang.ArithmeticException: / by zero",
             "com.example.CalcTest.divides(CalcTest.java:15)\ncom.example.Calc.divide(Calc.java:7)", False),
        ],
    ),
    (
        "maven_surefire2.txt",
        "Tests run: 1, Failures: 1, Errors: 0, Skipped: 0",
        [
            ("com.example.CalcTest.adds", "java.lang.AssertionError: expected:<4> but was:<5>",
             "com.example.CalcTest.adds(CalcTest.java:10)", False),
        ],
    ),
    (
        "maven_compile.txt",
        "",
        [
            ("compile error src/main/java/com/example/Calc.java:7:16",
             "cannot find symbol\nsymbol:   variable y\nlocation: class com.example.Calc", "", True),
        ],
    ),
    (
        "gradle.txt",
        "2 tests completed, 2 failed",
        [
            ("CalcTest > adds()", "org.opentest4j.AssertionFailedError: expected: <4> but was: <5>",
             "com.example.CalcTest.adds(CalcTest.java:10)", False),
            ("CalcTest > divides()", "java.lang.ArithmeticException at CalcTest.java:15", "", False),
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "summary", "rows"), CASES, ids=[c[0] for c in CASES])
def test_recorded_output_trims_to_exactly_these_failures(
    name: str, summary: str, rows: list[Row]
) -> None:
    trimmed = _trim(name)
    assert _rows(trimmed) == rows
    assert trimmed.summary_line == summary


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cargo.txt", OutputFormat.CARGO),
        ("cargo_build.txt", OutputFormat.CARGO),
        ("jest.txt", OutputFormat.JEST),
        ("vitest.txt", OutputFormat.VITEST),
        ("node_tap.txt", OutputFormat.NODE),
        ("node_spec.txt", OutputFormat.NODE),
        ("maven_surefire2.txt", OutputFormat.MAVEN),
        ("maven_compile.txt", OutputFormat.MAVEN),
        ("gradle.txt", OutputFormat.GRADLE),
    ],
)
def test_a_custom_commands_output_is_recognised_by_its_marks(
    name: str, expected: OutputFormat
) -> None:
    assert recognise_format(recorded_output(name)) is expected


def test_output_no_trimmer_knows_yields_no_failures() -> None:
    trimmed = trim_output(OutputFormat.UNKNOWN, "make: *** [check] Error 2\n")
    assert trimmed == TrimmedOutput()


def test_cleaning_drops_colours_and_progress_and_makes_tree_paths_relative() -> None:
    raw = (
        "\x1b[31mFAIL\x1b[0m /tmp/ingle-candidate-x/src/a.py\r\n"
        "progress 10%\rprogress 100%\n"
        "at f (file:///tmp/ingle-candidate-x/lib/b.js:1:2)\n"
        "rootdir: /tmp/ingle-candidate-x\n"
        "/usr/lib/python3.11/json/__init__.py stays absolute\n"
    )
    assert clean_output(raw, ["/tmp/ingle-candidate-x/", "/tmp/ingle-candidate"]) == (
        "FAIL src/a.py\nprogress 100%\nat f (lib/b.js:1:2)\nrootdir: .\n"
        "/usr/lib/python3.11/json/__init__.py stays absolute\n"
    )


def test_long_messages_and_traces_are_clipped_and_say_so() -> None:
    assert clip_lines(["", *[f"line {i}" for i in range(25)], ""], limit=3) == (
        "line 0\nline 1\nline 2\n… 22 more lines"
    )
    assert clip_lines(["x" * 400]) == "x" * 300 + " …"
    assert last_frames([f"f{i}" for i in range(9)], limit=3) == "… 6 outer frames\nf6\nf7\nf8"


def _failure(name: str, error: bool = False) -> TestFailure:
    return TestFailure(name=name, message=f"{name} broke", trace="a.py:1: in t", error=error)


def test_status_comes_from_the_exit_code_then_what_the_output_says() -> None:
    failed = TrimmedOutput(failures=[_failure("t")])
    only_errors = TrimmedOutput(failures=[_failure("collect", error=True)])
    assert decide_status(0, False, failed, "") is TestStatus.PASSED
    assert decide_status(None, True, TrimmedOutput(), "") is TestStatus.TIMED_OUT
    assert decide_status(1, False, TrimmedOutput(timed_out=True), "") is TestStatus.TIMED_OUT
    assert decide_status(1, False, failed, "") is TestStatus.FAILED
    assert decide_status(2, False, only_errors, "") is TestStatus.ERROR
    assert decide_status(-11, False, TrimmedOutput(), "Segmentation fault") is TestStatus.ERROR
    assert decide_status(5, False, TrimmedOutput(no_tests=True), "") is TestStatus.PASSED
    assert (
        decide_status(127, False, TrimmedOutput(), "sh: 1: jest: not found")
        is TestStatus.COULD_NOT_RUN
    )


def test_the_model_summary_stays_within_its_budget_and_counts_what_it_left_out() -> None:
    many = [TestFailure(name=f"t{i}", message="m" * 900) for i in range(12)]
    text = model_summary(TestStatus.FAILED, "pytest, full suite", many, "12 failed", "", "", "")
    assert text.startswith("Tests failed (pytest, full suite): 12 failed\n\nFAILED t0\n")
    assert len(text) <= 6000
    shown = text.count("FAILED t")
    assert 0 < shown < 12 and text.endswith(f"… and {12 - shown} more not shown")


def test_the_model_summary_falls_back_to_the_output_tail_when_nothing_was_recognised() -> None:
    tail = "\n".join(f"out {i}" for i in range(40))
    text = model_summary(
        TestStatus.ERROR, "make check, full suite", [], "", tail, "exit code 2", ""
    )
    assert (
        text
        == "Tests could not complete (make check, full suite)\n\nThe last output:\n"
        + "\n".join(f"out {i}" for i in range(10, 40))
    )
