"""Prompt helpers: fuzzy file completion, command completion, history, command parsing."""

from __future__ import annotations

import pytest

from ingle.tui.panes.chat.completion_source import CompletionSource
from ingle.tui.panes.chat.prompt_history import PromptHistory
from ingle.tui.panes.chat.slash_commands import UnknownCommand, parse_slash

FILES = ["src/app/main.py", "src/app/models.py", "tests/test_main.py", "README.md", "docs/maintenance.md"]


def source() -> CompletionSource:
    completions = CompletionSource()
    completions.set_files(FILES)
    return completions


def test_mentions_complete_files_fuzzily_best_first() -> None:
    context = source().suggest("fix @mnpy", first_line=True)
    assert context is not None and context.start == 4
    labels = [c.label for c in context.completions]
    assert labels[0] in ("src/app/main.py", "tests/test_main.py") and "README.md" not in labels
    best = source().match_files("main")
    assert best[0] == "src/app/main.py"  # the whole file name matches
    assert set(best[1:3]) == {"tests/test_main.py", "docs/maintenance.md"} and len(best) == 3
    assert context.completions[0].replacement.startswith("@") and context.completions[0].replacement.endswith(" ")


def test_commands_complete_only_at_the_start_of_the_first_line() -> None:
    context = source().suggest("/ad", first_line=True)
    assert [c.label for c in context.completions] == ["/add"]
    assert source().suggest("/ad", first_line=False) is None
    assert source().suggest("see /ad", first_line=True) is None
    files = source().suggest("/add src/app/main.py READ", first_line=True)
    assert [c.label for c in files.completions] == ["README.md"]
    assert files.completions[0].replacement == "README.md "


def test_nothing_is_offered_for_plain_words_or_an_email_address() -> None:
    assert source().suggest("plain words", first_line=True) is None
    assert source().suggest("mail ann@example", first_line=True) is None


def test_history_walks_back_and_forward_and_keeps_the_draft() -> None:
    history = PromptHistory(["first", "second"])
    assert history.back("draft") == "second"
    assert history.back("second") == "first"
    assert history.back("first") is None
    assert history.forward() == "second"
    assert history.forward() == "draft"
    assert history.forward() is None
    history.add("third")
    history.add("third")  # a repeat is kept once
    assert history.entries == ["first", "second", "third"]


def test_slash_lines_parse_and_unknown_ones_explain_themselves() -> None:
    parsed = parse_slash("/add  a.py b.py ")
    assert parsed.name == "add" and parsed.words == ["a.py", "b.py"]
    assert parse_slash("not a command") is None
    assert parse_slash("//comment-ish") is None
    with pytest.raises(UnknownCommand, match="did you mean /add"):
        parse_slash("/adx")
