"""The coding few-shot examples teach edits the real edit parser reads and that apply exactly.

An example whose SEARCH text does not match its own input file would teach the model
to write edits that fail, so every block is parsed with the agent's parser and applied
to the files shown in the example's input, with the exact step of the apply ladder.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingle.core.edits.ladder import apply_search_replace
from ingle.core.edits.parse import parse_reply
from ingle.personas.registry import load_registry

# A file in an example's input: a path line, then a fenced block.
_SHOWN_FILE = re.compile(r"^(\S+)\n(`{3,})[\w-]*\n(.*?)\n\2$", re.MULTILINE | re.DOTALL)

CODING_EXAMPLES = sorted(
    ref for ref, e in load_registry(None).library.examples.items() if e.kind in ("code", "frontend")
)


def shown_files(text: str) -> dict[str, str]:
    return {m.group(1): m.group(3) + "\n" for m in _SHOWN_FILE.finditer(text)}


@pytest.mark.parametrize("ref", CODING_EXAMPLES)
def test_example_edits_parse_and_apply_exactly(ref: str) -> None:
    example = load_registry(None).library.examples[ref]
    files = shown_files(example.input)
    parsed = parse_reply(example.output)
    assert parsed.edits, ref
    assert parsed.warnings == []
    for edit in parsed.edits:
        assert edit.problem is None, (ref, edit)
        if edit.kind == "new_file":
            assert edit.path not in files, f"{ref}: {edit.path} is shown, so it is not new"
            files[edit.path] = edit.replace
            continue
        assert edit.kind == "search_replace"
        assert edit.path in files, f"{ref}: edits {edit.path}, which its input does not show"
        result = apply_search_replace(files[edit.path], edit.search, edit.replace)
        assert (result.step, result.failure) == ("exact", None), (ref, edit.path, result.detail)
        files[edit.path] = result.text
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")


def test_python_example_fix_is_correct(tmp_path: Path) -> None:
    # The example's own new tests, run by pytest against the example's own fixed code.
    example = load_registry(None).library.examples["code/python-off-by-one"]
    files = shown_files(example.input)
    for edit in parse_reply(example.output).edits:
        files[edit.path] = apply_search_replace(files[edit.path], edit.search, edit.replace).text
    for path, text in {**files, "app/__init__.py": ""}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout
