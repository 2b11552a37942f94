"""parse_reply: the shapes the corpus does not pin down line by line."""

from __future__ import annotations

from pathlib import Path

from ingle.core.edits import parse_reply, plan_edits


def test_blocks_carry_their_reply_line_and_kind() -> None:
    reply = (
        "intro\n"
        "a.py\n"
        "```python\n"
        "<<<<<<< SEARCH\n"
        "x = 1\n"
        "=======\n"
        "x = 2\n"
        ">>>>>>> REPLACE\n"
        "```\n"
        "new.py\n"
        "```python\n"
        "<<<<<<< SEARCH\n"
        "=======\n"
        "print('hi')\n"
        ">>>>>>> REPLACE\n"
        "```\n"
    )
    edits = parse_reply(reply).edits
    assert [(e.path, e.kind, e.line) for e in edits] == [
        ("a.py", "search_replace", 4),
        ("new.py", "new_file", 12),
    ]
    assert edits[0].search == "x = 1\n" and edits[0].replace == "x = 2\n"
    assert edits[1].search == "" and edits[1].replace == "print('hi')\n"


def test_path_on_the_search_marker_line() -> None:
    reply = "<<<<<<< SEARCH src/x.py\nA\n=======\nB\n>>>>>>> REPLACE\n"
    assert [e.path for e in parse_reply(reply).edits] == ["src/x.py"]


def test_missing_divider_marks_the_block_and_keeps_reading() -> None:
    reply = (
        "a.py\n<<<<<<< SEARCH\nold\n>>>>>>> REPLACE\n"
        "b.py\n<<<<<<< SEARCH\nB = 1\n=======\nB = 2\n>>>>>>> REPLACE\n"
    )
    edits = parse_reply(reply).edits
    assert [(e.path, e.problem is not None) for e in edits] == [("a.py", True), ("b.py", False)]
    assert "=======" in (edits[0].problem or "")


def test_reply_ending_inside_search_is_a_problem_not_an_edit() -> None:
    edits = parse_reply("a.py\n```\n<<<<<<< SEARCH\nold line\n").edits
    assert len(edits) == 1 and edits[0].problem


def test_block_with_no_path_anywhere_is_a_problem() -> None:
    edits = parse_reply("Here:\n```\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n").edits
    assert edits[0].path == "" and "no file path" in (edits[0].problem or "")


def test_prose_line_naming_two_files_takes_the_first() -> None:
    reply = (
        "Now update `utils.py` to use the helper in `app.py`:\n"
        "```python\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n"
    )
    assert parse_reply(reply).edits[0].path == "utils.py"


def test_snippets_are_not_whole_files_when_the_reply_has_blocks() -> None:
    reply = (
        "app.py\n```python\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n```\n\n"
        "For example, callers then do:\n\napp.py\n```python\nb()\n```\n"
    )
    parsed = parse_reply(reply)
    # The snippet is kept only as a possible new file: for an existing one it is left out.
    assert [(e.kind, e.only_new) for e in parsed.edits] == [("search_replace", False), ("whole_file", True)]
    plan = plan_edits(parsed.edits, {"app.py": "a\n"}, Path("/nonexistent-repo"),
                      allow_new_files=True, chat_files={"app.py"})
    assert plan.ok and plan.new_contents == {"app.py": "b\n"}
    assert plan.outcomes[1].step == "illustration" and plan.outcomes[1].file is None


def test_fenced_code_without_a_path_is_not_an_edit() -> None:
    parsed = parse_reply("You could write:\n\n```python\nprint(1)\n```\n")
    assert parsed.edits == []
    assert any("no file path" in w.message for w in parsed.warnings)


def test_unclosed_whole_file_is_refusable_not_silently_truncated() -> None:
    edits = parse_reply("app.py\n```python\nimport os\n\ndef main():\n").edits
    assert len(edits) == 1 and edits[0].kind == "whole_file"
    assert "cut off" in (edits[0].problem or "")


def test_path_as_first_line_inside_the_fence() -> None:
    bare = parse_reply("```python\nsrc/a.py\nA = 1\n```\n").edits
    assert [(e.path, e.replace) for e in bare] == [("src/a.py", "A = 1\n")]
    commented = parse_reply("```python\n# src/a.py\nA = 1\n```\n").edits
    assert [(e.path, e.replace) for e in commented] == [("src/a.py", "# src/a.py\nA = 1\n")]


def test_unified_diffs_are_read_as_search_replace() -> None:
    parsed = parse_reply("app.py\n```diff\n--- a/app.py\n+++ b/app.py\n@@\n-a\n+b\n```\n")
    [edit] = parsed.edits
    assert (edit.path, edit.search, edit.replace, edit.kind) == ("app.py", "a\n", "b\n", "search_replace")


def test_search_and_replace_labels_are_named_as_the_problem() -> None:
    parsed = parse_reply("app.py\nSEARCH:\n```\na\n```\nREPLACE:\n```\nb\n```\n")
    assert parsed.edits == []
    assert any("'SEARCH:'" in w.message and "<<<<<<< SEARCH" in w.message for w in parsed.warnings)


def test_markdown_sections_keep_their_own_fences() -> None:
    reply = (
        "docs/guide.md\n<<<<<<< SEARCH\n```sh\nmake\n```\n=======\n```sh\nmake all\n```\n"
        ">>>>>>> REPLACE\n"
    )
    edit = parse_reply(reply).edits[0]
    assert edit.search == "```sh\nmake\n```\n" and edit.replace == "```sh\nmake all\n```\n"


def test_a_shell_script_edit_is_an_edit_not_a_suggestion() -> None:
    reply = "run.sh\n```bash\n<<<<<<< SEARCH\necho a\n=======\necho b\n>>>>>>> REPLACE\n```\n"
    parsed = parse_reply(reply)
    assert [e.path for e in parsed.edits] == ["run.sh"] and parsed.shell_commands == []


def test_shell_blocks_drop_prompts_and_output() -> None:
    reply = (
        "```sh\n$ make\n$ make test\n```\n"
        "```bash\nexport A=1 && \\\n  ./run.sh\n```\n"
        "```console\n$ ls\nREADME.md\n```\n"
        "```bash\n\n```\n"
    )
    assert parse_reply(reply).shell_commands == [
        "make\nmake test",
        "export A=1 && \\\n  ./run.sh",
        "ls",
    ]


def test_mentioned_paths_skip_urls_versions_and_code() -> None:
    reply = (
        "See https://x.org/a.py and version 1.2.3, call `os.path.join()` and edit "
        "`core/config/settings.py`, then pyproject.toml. Makefile too, and `.\\src\\x.py`; "
        "never `../up.py` or `/etc/hosts`.\n"
    )
    assert parse_reply(reply).mentioned_paths == [
        "core/config/settings.py",
        "src/x.py",
        "pyproject.toml",
        "Makefile",
    ]


def test_only_newlines_split_lines() -> None:
    # U+2028 and form feeds are content, not line breaks (str.splitlines would split them).
    reply = "a.py\n<<<<<<< SEARCH\ns = 'x\u2028y'\f\n=======\ns = 'z'\n>>>>>>> REPLACE\n"
    assert parse_reply(reply).edits[0].search == "s = 'x\u2028y'\f\n"


def test_old_style_original_updated_markers() -> None:
    reply = "a.py\n<<<<<<< ORIGINAL\nA\n=======\nB\n>>>>>>> UPDATED\n"
    edit = parse_reply(reply).edits[0]
    assert (edit.search, edit.replace) == ("A\n", "B\n")


def test_degenerate_inputs_do_not_crash() -> None:
    for text in [
        "",
        "\n\n\n",
        "```",
        "```\n```\n```",
        "<<<<<<< SEARCH",
        "=======\n>>>>>>> REPLACE",
        "<<<<<<< SEARCH\n=======\n>>>>>>> REPLACE",
        "~~~python x.py\n~~~",
        "**`:`**\n```x.py\n",
        "\r\r\r<<<<<<< SEARCH\r=======\r",
        "```" * 10_000,
        "```a\n" * 5_000,
    ]:
        parse_reply(text)
