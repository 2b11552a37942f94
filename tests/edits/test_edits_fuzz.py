"""Hypothesis fuzzing: the parser and planner never crash, never plan a write outside
the repository, and a failed plan (or a failed write) changes nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingle.core.edits import WriteFailed, parse_reply, plan_edits, write_atomically
from ingle.core.edits.ladder import apply_search_replace
from ingle.core.edits.paths import check_containment, normalise

_MARKERS = [
    *(c * n + word for c, word in (("<", " SEARCH"), (">", " REPLACE")) for n in (3, 5, 7, 9, 11)),
    *("=" * n for n in (3, 5, 7, 9, 11)),
    "<<<<<<< search",
    ">>>>>>> REPLACE extra prose",
]
_FENCES = ["```", "```python", "```python a.py", "```bash", "```console", "~~~", "````", "```diff"]
_PATHS = [
    "a.py", "src/b.py", "**a.py**", "`src/b.py`:", "b.py", "new.py", "sub/new.py", "x", "x/y",
    "../x.py", "/etc/passwd", ".git/config", "link/x.py", "bin.png", "C:\\x.py", "~/x",
    "src\\..\\..\\x.py", ".GIT/HEAD", "./a.py",
]  # fmt: skip
_CODE = [
    "A = 1", "def f():", "    return 1", "B = 2", "...", "# ... rest unchanged", "",
    "    ", "$ make", "x = [", "\t\treturn 1", "def g():", "pass",
]  # fmt: skip
_fragment = st.one_of(
    st.sampled_from(_MARKERS),
    st.sampled_from(_FENCES),
    st.sampled_from(_PATHS),
    st.sampled_from(_CODE),
    st.text(max_size=12),
)
_reply = st.builds(
    lambda parts, sep: sep.join(parts),
    st.lists(_fragment, max_size=40),
    st.sampled_from(["\n", "\r\n", "\r"]),
)

_FILES = {"a.py": "A = 1\n\n\ndef f():\n    return 1\n", "src/b.py": "B = 2\ndef g():\n    pass\n"}


@st.composite
def _mostly_well_formed(draw: st.DrawFn) -> str:
    """Replies built like real ones (blocks whose SEARCH often really is in the file,
    whole files, the usual path decorations), then damaged a little."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        path = draw(
            st.sampled_from(["a.py", "src/b.py", "**a.py**", "new.py"]) | st.sampled_from(_PATHS)
        )
        known = _FILES.get(path.strip("*`:").removeprefix("./"), "").split("\n")[:-1] or _CODE
        i = draw(st.integers(0, len(known) - 1))
        j = draw(st.integers(i + 1, len(known)) | st.just(i))
        use_file = draw(st.booleans())
        search = known[i:j] if use_file else draw(st.lists(st.sampled_from(_CODE), max_size=3))
        replace = draw(st.lists(st.sampled_from([*_CODE, "C = 3", "    return 2"]), max_size=4))
        style = draw(st.sampled_from(["plain", "fenced", "fence_path", "whole"]))
        if style == "whole":
            lines += [path, "```python", *replace, "```"]
            continue
        head = ["```python " + path] if style == "fence_path" else [path]
        head += ["```python"] if style == "fenced" else []
        body = ["<<<<<<< SEARCH", *search, "=======", *replace, ">>>>>>> REPLACE"]
        lines += head + body + (["```"] if style != "plain" else [])
    for _ in range(draw(st.integers(0, 3))):
        k = draw(st.integers(0, len(lines) - 1))
        damage = draw(st.sampled_from(["drop", "repeat", "insert"]))
        if damage == "drop":
            del lines[k]
        elif damage == "repeat":
            lines.insert(k, lines[k])
        else:
            lines.insert(k, draw(_fragment))
        if not lines:
            break
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


_CHAT = {"a.py", "src/b.py", "link/x.py", "bin.png", "x", "x/y"}


def _tree(root: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if not path.is_symlink():
                found[str(path.relative_to(root))] = path.read_bytes()
    return found


def _make_world(base: Path) -> tuple[Path, Path]:
    repo, outside = base / "repo", base / "outside"
    (repo / "src").mkdir(parents=True)
    (repo / ".git").mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    (repo / ".git" / "config").write_text("[core]\n")
    (repo / "bin.png").write_bytes(b"\x89PNG\x00\x00")
    for rel, text in _FILES.items():
        (repo / rel).write_text(text)
    os.symlink(outside, repo / "link")
    return repo, outside


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_parse_reply_never_raises_on_any_text(text: str) -> None:
    parsed = parse_reply(text)
    for edit in parsed.edits:
        assert edit.line >= 1


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_reply, _mostly_well_formed()), st.booleans())
def test_plans_never_escape_and_failures_write_nothing(reply: str, allow_new: bool) -> None:
    parsed = parse_reply(reply)
    with tempfile.TemporaryDirectory() as tmp:
        repo, outside = _make_world(Path(tmp))
        real_root = Path(os.path.realpath(repo))
        before_repo, before_outside = _tree(repo), _tree(outside)
        plan = plan_edits(
            parsed.edits, dict(_FILES), repo, allow_new_files=allow_new, chat_files=set(_CHAT)
        )
        if not plan.ok:
            assert plan.new_contents == {} and plan.created == set()
            assert plan.failure_message
        assert len(plan.outcomes) == len(parsed.edits)
        for rel in plan.new_contents:
            assert normalise(rel).path == rel
            assert check_containment(rel, real_root).ok, rel
        try:
            write_atomically(repo, plan.new_contents)
        except WriteFailed:
            assert _tree(repo) == before_repo  # a failed write changes nothing
        else:
            for rel, text in plan.new_contents.items():
                assert (repo / rel).read_bytes() == text.encode("utf-8")
        assert _tree(outside) == before_outside
        assert _tree(repo / ".git") == {"config": b"[core]\n"}
        assert (repo / "bin.png").read_bytes() == b"\x89PNG\x00\x00"


_line = st.text(alphabet="abcxyz =():", min_size=1, max_size=12).filter(lambda s: s.strip() == s)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, min_size=1, max_size=30, unique=True), st.data())
def test_a_unique_slice_is_replaced_exactly(lines: list[str], data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(lines) - 1))
    end = data.draw(st.integers(start + 1, len(lines)))
    replacement = data.draw(st.lists(_line, max_size=5))
    text = "".join(line + "\n" for line in lines)
    search = "".join(line + "\n" for line in lines[start:end])
    result = apply_search_replace(text, search, "".join(r + "\n" for r in replacement))
    assert result.step == "exact"
    assert result.text == "".join(x + "\n" for x in lines[:start] + replacement + lines[end:])
    # The same slice with trailing spaces and one indentation shift still lands there.
    shifted = "".join("  " + line + " \n" for line in lines[start:end])
    result = apply_search_replace(text, shifted, "".join("  " + r + "\n" for r in replacement))
    assert result.text == "".join(x + "\n" for x in lines[:start] + replacement + lines[end:])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=80), st.text(max_size=80))
def test_the_ladder_never_raises(text: str, search: str, replace: str) -> None:
    result = apply_search_replace(text, search, replace)
    assert (result.text is None) == (result.failure is not None)
