"""Which code generate_code takes from a model's reply, for the shapes small models answer in."""

from __future__ import annotations

from ingle.core.frontends.mcp.code_blocks import extract_code, fenced_blocks

PY = {"python", "py", "python3"}


def test_the_block_tagged_with_the_language_wins_over_a_longer_untagged_one() -> None:
    reply = (
        "Usage:\n```\nresult = add(1, 2)\nprint(result)\nassert result == 3\n```\n"
        "The function:\n```py\ndef add(a, b):\n    return a + b\n```\nDone."
    )
    found = extract_code(reply, PY)
    assert found.code == "def add(a, b):\n    return a + b\n"
    assert found.fenced is True
    # What was said around the chosen block is kept as notes, the other block included.
    assert found.notes.startswith("Usage:") and found.notes.endswith("The function:\nDone.")


def test_the_longest_of_several_tagged_blocks_is_the_main_one() -> None:
    reply = "```python\nx = 1\n```\n\n```python\ndef f():\n    return 2\n```\n"
    assert extract_code(reply, PY).code == "def f():\n    return 2\n"


def test_shell_snippets_are_not_taken_for_the_code_unless_shell_was_asked_for() -> None:
    reply = (
        "```bash\npip install requests && python main.py --verbose\n```\n```\nimport requests\n```"
    )
    assert extract_code(reply, PY).code == "import requests\n"
    assert extract_code(reply, {"bash", "sh"}, shell=True).code.startswith("pip install")


def test_a_reply_without_fences_is_bare_code() -> None:
    found = extract_code("\n\nfunc Add(a, b int) int { return a + b }\n\n", {"go"})
    assert found.code == "func Add(a, b int) int { return a + b }\n"
    assert found.fenced is False and found.notes == ""


def test_an_unclosed_fence_runs_to_the_end_of_the_reply() -> None:
    found = extract_code("Sure:\n```java\nclass A {}\n", {"java"})
    assert found.code == "class A {}\n" and found.notes == "Sure:"


def test_a_longer_fence_holds_a_shorter_one_and_tildes_work_too() -> None:
    reply = '````markdown\n```python\nprint("inner")\n```\n````\n~~~python\nprint("tilde")\n~~~'
    blocks = fenced_blocks(reply)
    assert [b.tag for b in blocks] == ["markdown", "python"]
    assert blocks[0].code == '```python\nprint("inner")\n```'
    assert extract_code(reply, PY).code == 'print("tilde")\n'


def test_an_empty_block_is_no_code() -> None:
    assert extract_code("```python\n\n```", PY).code == ""
    assert extract_code("   \n", PY).code == ""
