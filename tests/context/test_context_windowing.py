"""Windowing a file to its relevant functions with tree-sitter, and what the edit parser
makes of the markers that stand for hidden lines."""

from __future__ import annotations

from pathlib import Path

from ingle.core.context.windowing import window_file
from ingle.core.edits.apply import plan_edits
from ingle.core.edits.parse import parse_reply
from ingle.core.repomap.languages import Grammars

PY = '''import os


class Store:
    limit = 10

    def load(self, path):
        """Read the file."""
        with open(path) as f:
            data = f.read()
        return parse_config(data)

    def save(self, path, data):
        text = str(data)
        with open(path, "w") as f:
            f.write(text)
        return len(text)


def helper(x):
    # parse_config is mentioned only in this comment
    y = x + 1
    z = y * 2
    return z


@cached
def other(x):
    a = "parse_config in a string"
    b = a * 2
    c = b + a
    return c
'''

GO = """package shop

import "fmt"

type Cart struct {
\tItems []Item
\tOwner string
}

func (c *Cart) Total() int {
\tsum := 0
\tfor _, it := range c.Items {
\t\tsum += it.Price
\t}
\treturn sum
}

func Describe(c *Cart) string {
\tname := c.Owner
\tcount := len(c.Items)
\tlabel := fmt.Sprintf("%s: %d", name, count)
\treturn label
}
"""


def lines_shown(text: str) -> list[str]:
    return text.splitlines()


def test_a_method_naming_the_identifier_is_kept_whole_inside_an_outline() -> None:
    window = window_file("store.py", PY, {"parse_config"}, [], Grammars())
    assert window is not None and window.kept == ("load",)
    shown = lines_shown(window.text)
    # The class's own lines and the relevant method stay; the other method shows its
    # signature; mentions in comments and strings do not make a function relevant.
    assert shown[:12] == lines_shown(PY)[:12]
    assert "    def save(self, path, data):" in shown and "        text = str(data)" not in shown
    assert "def helper(x):" in shown and "    y = x + 1" not in shown
    assert (
        "@cached" in shown
        and "def other(x):" in shown
        and '    a = "parse_config in a string"' not in shown
    )
    assert "        # ... (lines 14-17 not shown: ask for them) ..." in shown
    assert "    # ... (lines 21-24 not shown: ask for them) ..." in shown
    assert window.hidden_lines == 4 + 4 + 4 and window.total_lines == len(PY.split("\n"))


def test_without_outline_closed_definitions_vanish_into_one_marker() -> None:
    window = window_file("store.py", PY, {"helper"}, [], Grammars(), outline=False)
    assert window is not None and window.kept == ("helper",)
    shown = lines_shown(window.text)
    assert shown[:2] == ["import os", ""]
    assert "# ... (lines 4-17 not shown: ask for them) ..." in shown
    assert "def helper(x):" in shown and "    return z" in shown
    assert "# ... (lines 27-32 not shown: ask for them) ..." in shown
    assert "def other(x):" not in shown


def test_lines_the_turn_edited_keep_their_function() -> None:
    edited = [PY.split("\n").index("        return len(text)")]
    window = window_file("store.py", PY, set(), edited, Grammars())
    assert window is not None and window.kept == ("save",)
    assert (
        "        return len(text)" in window.text
        and "        return parse_config(data)" not in window.text
    )


def test_go_uses_its_own_comment_marker_and_type_names_count() -> None:
    window = window_file("cart.go", GO, {"Total"}, [], Grammars())
    assert window is not None and window.kept == ("Total",)
    shown = lines_shown(window.text)
    assert "func (c *Cart) Total() int {" in shown and "\treturn sum" in shown
    assert "func Describe(c *Cart) string {" in shown
    assert "\t// ... (lines 19-23 not shown: ask for them) ..." in shown


def test_files_it_cannot_read_are_not_windowed() -> None:
    assert window_file("notes.txt", "words\n" * 100, {"words"}, [], Grammars()) is None
    # Nothing to hide: every definition is relevant.
    assert window_file("cart.go", GO, {"Total", "Describe", "Cart"}, [], Grammars()) is None


def apply(reply: str, root: Path):
    return plan_edits(
        parse_reply(reply).edits,
        {"store.py": PY},
        root,
        allow_new_files=False,
        chat_files={"store.py"},
    )


def block(search: str, replace: str) -> str:
    return f"store.py\n```python\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n```\n"


def test_the_edit_parser_takes_markers_for_elisions_never_for_code(tmp_path: Path) -> None:
    window = window_file("store.py", PY, {"parse_config"}, [], Grammars())
    assert window is not None
    marker = "        # ... (lines 14-17 not shown: ask for them) ...\n"
    assert marker in window.text + "\n"
    # An edit copied from the window, marker and all, changes the signature and keeps
    # the hidden body as it is.
    changed = apply(
        block(
            "    def save(self, path, data):\n" + marker,
            "    def save(self, path, data, mode='w'):\n" + marker,
        ),
        tmp_path,
    )
    assert changed.ok
    assert (
        "    def save(self, path, data, mode='w'):\n        text = str(data)\n"
        in (changed.new_contents["store.py"])
    )
    assert "not shown" not in changed.new_contents["store.py"]
    # A REPLACE that would write a marker over real code is refused.
    refused = apply(block("        return len(text)\n", marker), tmp_path)
    assert not refused.ok and "store.py" not in refused.new_contents
