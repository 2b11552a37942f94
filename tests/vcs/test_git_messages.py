"""The deterministic fallback commit message."""

from __future__ import annotations

import pytest

from ingle.core.vcs import fallback_commit_message


@pytest.mark.parametrize(
    ("instruction", "changed", "subject"),
    [
        ("Add retry to fetch_url", ["core/net/fetch.py"], "feat(net): add retry to fetch_url"),
        (
            "please fix the crash when the URL is empty",
            ["core/net/fetch.py", "core/net/u.py"],
            "fix(net): crash when the URL is empty",
        ),
        (
            "Refactor parse_args into two functions",
            ["cli.py"],
            "refactor: parse_args into two functions",
        ),
        (
            "make the page load faster",
            ["web/index.html", "web/app.js"],
            "perf(web): make the page load faster",
        ),
        ("Describe the flags", ["README.md", "docs/flags.md"], "docs: describe the flags"),
        ("cover the parser", ["tests/test_parser.py"], "test: cover the parser"),
        ("HTML export of reports", ["core/report.py", "web/x.js"], "feat: HTML export of reports"),
        ("", ["a/b.py", "a/c.py", "a/d.py"], "feat(a): update 3 files"),
        ("Fix the typo in the banner. Then tidy up.", ["a/b.py"], "fix(a): typo in the banner"),
        ("fix it", ["a.py"], "fix: fix it"),
    ],
)
def test_subject(instruction: str, changed: list[str], subject: str) -> None:
    assert fallback_commit_message(instruction, changed).splitlines()[0] == subject


def test_long_instruction_is_cut_at_a_word_and_kept_whole_in_the_body() -> None:
    instruction = (
        "Implement exponential backoff with jitter for every HTTP call the sync client makes "
        "to the server"
    )
    message = fallback_commit_message(instruction, ["core/sync/client.py", "core/sync/http.py"])
    subject, blank, *body = message.splitlines()
    assert len(subject) <= 72 and blank == ""
    assert subject.startswith("feat(sync): implement exponential backoff")
    kept = subject.split(": ", 1)[1].split()
    assert [w.lower() for w in instruction.split()[: len(kept)]] == [w.lower() for w in kept]
    assert f"Asked: {instruction}" in body
    assert body[-3:] == ["Files:", "- core/sync/client.py", "- core/sync/http.py"]


def test_same_input_same_message_and_files_listed_once_sorted() -> None:
    a = fallback_commit_message("fix the bug", ["b.py", "a.py", "b.py"])
    assert a == fallback_commit_message("fix the bug", ["b.py", "a.py", "b.py"])
    assert a.endswith("Files:\n- a.py\n- b.py\n")
    assert "Asked:" not in a
