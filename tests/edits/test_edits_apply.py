"""plan_edits and the matching ladder, on real files in temp repositories."""

from __future__ import annotations

from pathlib import Path

from ingle.core.edits import EditBlock, EditPlan, plan_edits
from ingle.core.edits.closest import closest_lines
from ingle.core.edits.ladder import apply_search_replace


def _block(path: str, search: str, replace: str, kind: str = "search_replace") -> EditBlock:
    return EditBlock(path=path, search=search, replace=replace, kind=kind, line=1)  # type: ignore[arg-type]


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def _plan(
    tmp_path: Path, files: dict[str, str], *blocks: EditBlock, allow_new: bool = False
) -> EditPlan:
    repo = _repo(tmp_path, files)
    return plan_edits(list(blocks), files, repo, allow_new_files=allow_new, chat_files=set(files))


def test_over_indented_search_is_dedented_with_its_replacement() -> None:
    text = "def f():\n    return 1\n"
    result = apply_search_replace(
        text, "        def f():\n            return 1\n", "        def f():\n            return 2\n"
    )
    assert (result.step, result.text) == ("indentation", "def f():\n    return 2\n")


def test_ambiguity_is_refused_on_looser_rungs_too() -> None:
    text = "if a:\n    x = 1\nif b:\n  x = 1\n"
    result = apply_search_replace(text, "x = 1\n", "x = 2\n")
    assert result.failure == "ambiguous_match" and "lines 2, 4" in result.detail


def test_inconsistent_indentation_does_not_match() -> None:
    # Same words, but the relative indentation differs: not the same code.
    text = "if a:\n    b()\n    c()\n"
    result = apply_search_replace(text, "if a:\n    b()\nc()\n", "x\n")
    assert result.failure == "no_match"


def test_python_ellipsis_bodies_match_exactly_not_as_elisions() -> None:
    text = "class P(Protocol):\n    def run(self) -> None:\n        ...\n"
    result = apply_search_replace(
        text,
        "    def run(self) -> None:\n        ...\n",
        "    def run(self) -> int:\n        ...\n",
    )
    assert result.step == "exact"
    assert result.text == "class P(Protocol):\n    def run(self) -> int:\n        ...\n"


def test_unpaired_elisions_are_refused() -> None:
    text = "a\nb\nc\nd\ne\n"
    result = apply_search_replace(text, "a\n...\nc\n...\ne\n", "A\n...\nE\n")
    assert result.failure == "unpaired_elision"


def test_elision_piece_after_the_block_is_still_found_when_unique() -> None:
    text = "def f():\n    x = 1\n\ndef g():\n    y = 2\n"
    result = apply_search_replace(text, "def f():\n...\n    y = 2\n", "def f():\n    pass\n")
    assert (result.step, result.text) == ("elision", "def f():\n    pass\n")


def test_search_found_in_two_other_files_is_not_guessed(tmp_path: Path) -> None:
    files = {"a.py": "A = 1\n", "b.py": "X = 0\n", "c.py": "X = 0\n"}
    plan = _plan(tmp_path, files, _block("a.py", "X = 0\n", "X = 1\n"))
    assert not plan.ok and plan.outcomes[0].refusal == "no_match"


def test_missing_file_name_falls_back_to_the_chat_file_holding_the_search(tmp_path: Path) -> None:
    files = {"src/models.py": "class A:\n    pass\n"}
    plan = _plan(tmp_path, files, _block("models_old.py", "class A:\n", "class B:\n"))
    assert plan.ok and plan.outcomes[0].step == "other_file"
    assert plan.new_contents == {"src/models.py": "class B:\n    pass\n"}


def test_loose_basename_names_one_chat_file_only(tmp_path: Path) -> None:
    files = {"a/util.py": "X = 1\n", "b/util.py": "X = 1\n"}
    plan = _plan(tmp_path, files, _block("util.py", "X = 1\n", "X = 2\n"))
    assert not plan.ok and plan.outcomes[0].refusal == "new_file_not_allowed"


def test_crlf_content_given_in_files_comes_back_crlf(tmp_path: Path) -> None:
    files = {"w.txt": "one\r\ntwo\r\n"}
    plan = _plan(tmp_path, files, _block("w.txt", "two\n", "2\n"))
    assert plan.new_contents == {"w.txt": "one\r\n2\r\n"}


def test_already_applied_change_is_pointed_out(tmp_path: Path) -> None:
    files = {"a.py": "X = 2\n"}
    plan = _plan(tmp_path, files, _block("a.py", "X = 1\n", "X = 2\n"))
    assert "REPLACE text is already in the file" in plan.failure_message


def test_small_files_may_be_rewritten_shorter(tmp_path: Path) -> None:
    files = {"a.py": "".join(f"V{i} = {i}\n" for i in range(10))}
    plan = _plan(tmp_path, files, _block("a.py", "", "V = 1\n", "whole_file"))
    assert plan.ok and plan.new_contents == {"a.py": "V = 1\n"}


def test_whole_python_file_with_ellipsis_bodies_is_not_an_elision(tmp_path: Path) -> None:
    files = {"p.py": "class P:\n    pass\n"}
    new = "class P(Protocol):\n    def run(self) -> None:\n        ...\n"
    plan = _plan(tmp_path, files, _block("p.py", "", new, "whole_file"))
    assert plan.ok and plan.new_contents == {"p.py": new}


def test_whole_file_empty_reply_is_refused(tmp_path: Path) -> None:
    plan = _plan(tmp_path, {"a.py": "A = 1\n"}, _block("a.py", "", "", "whole_file"))
    assert not plan.ok and plan.outcomes[0].refusal == "whole_file_truncated"


def test_second_empty_search_continues_a_file_created_by_the_reply(tmp_path: Path) -> None:
    plan = _plan(
        tmp_path,
        {},
        _block("n.py", "", "A = 1\n", "new_file"),
        _block("n.py", "", "B = 2\n", "new_file"),
        allow_new=True,
    )
    assert plan.ok and plan.new_contents == {"n.py": "A = 1\nB = 2\n"}
    assert plan.created == {"n.py"}


def test_a_chat_file_missing_from_files_is_read_from_disk(tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"a.py": "A = 1\n"})
    plan = plan_edits(
        [_block("a.py", "A = 1\n", "A = 2\n")], {}, repo, allow_new_files=False, chat_files={"a.py"}
    )
    assert plan.new_contents == {"a.py": "A = 2\n"}


def test_undecodable_chat_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9\n")
    plan = plan_edits(
        [_block("latin.txt", "caf\n", "cafe\n")],
        {},
        tmp_path,
        allow_new_files=False,
        chat_files={"latin.txt"},
    )
    assert not plan.ok and plan.outcomes[0].refusal == "binary_file"
    assert "UTF-8" in plan.outcomes[0].reason


def test_every_failure_is_reported_and_nothing_planned(tmp_path: Path) -> None:
    files = {"a.py": "A = 1\n", "b.py": "B = 1\n"}
    plan = _plan(
        tmp_path,
        files,
        _block("a.py", "A = 9\n", "A = 2\n"),
        _block("b.py", "B = 1\n", "B = 2\n"),
        _block("/etc/passwd", "", "x\n", "new_file"),
    )
    assert not plan.ok and plan.new_contents == {}
    assert [o.applied for o in plan.outcomes] == [False, True, False]
    assert "2 of 3 edit blocks" in plan.failure_message
    assert "Block 1 (" in plan.failure_message and "Block 3 (" in plan.failure_message


def test_unchanged_files_are_not_in_new_contents(tmp_path: Path) -> None:
    plan = _plan(tmp_path, {"a.py": "A = 1\n"}, _block("a.py", "A = 1\n", "A = 1\n"))
    assert plan.ok and plan.new_contents == {}


def test_closest_lines_in_a_big_file_find_the_right_window() -> None:
    lines = [f"def handler_{i}(request):\n    return respond({i})\n" for i in range(10_000)]
    text = "".join(lines)
    near = closest_lines(text, "def handler_7777(request):\n    return respond(7777, True)\n")
    assert near is not None and near.start == 2 * 7777 + 1
    assert "the file has `return respond(7777)`" in near.first_difference
    # No line occurs verbatim: the bounded fallback still lands on the right place.
    near = closest_lines(text, "def handler_4242(req):\n    return respond(4242, x)\n")
    assert near is not None and "handler_4242" in near.snippet
