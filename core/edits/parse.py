"""Reading edits out of a model's reply, however untidily the model wrote them.

The reply format the personas ask for is Aider's: a path line, a fence, then
`<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE`. Local models get it slightly wrong in
many ways, and every one of them is accepted here: missing or extra fences, the path on
the fence line (```python src/x.py) or in bold/backticks or followed by a colon, marker
runs of 5-9 characters, CRLF, prose after the markers, several blocks per file or per
fence, a block with no path repeating the previous block's file. Whole-file replies (a
path, then a fenced file) are read too, but only when the reply has no SEARCH/REPLACE
block, so an illustrative snippet can never be taken for a file's new content.

A block that is recognisably an edit but cannot be read completely (a reply cut off
mid-block, a missing `=======`) is still returned, with `problem` set, so that the
planner refuses it and the turn fails loudly instead of silently doing less.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection

from ingle.core.edits.models import EditBlock, ParsedReply, ParseWarning
from ingle.core.edits.path_text import (
    KnownPaths,
    bare_name_hint,
    path_from_line,
    path_in_fence_info,
    paths_in_prose,
    quoted_bare_name,
    spaced_name_hint,
)
from ingle.core.edits.paths import normalise
from ingle.core.edits.tag_fences import tag_fences_as_backticks
from ingle.core.edits.unified_diff import looks_like_diff, parse_unified_diff

_HEAD = re.compile(r"^\s*<{5,9}\s*(?:SEARCH|ORIGINAL)\b\s*:?\s*(.*)$", re.IGNORECASE)
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_UPDATED = re.compile(r"^\s*>{5,9}\s*(?:REPLACE|UPDATED)\b.*$", re.IGNORECASE)
# "SEARCH:" / "REPLACE:" written as labels: the model meant a block but wrote no markers.
_LABEL_MARKER = re.compile(r"^\s*\**(?:SEARCH|REPLACE|ORIGINAL|UPDATED)\**\s*:\s*\**\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*(.*?)\s*$")
_SHELL_LANGS = frozenset(
    {"bash", "sh", "shell", "zsh", "console", "shell-session", "shellsession", "terminal"}
)
_PROMPTED_LANGS = frozenset({"console", "shell-session", "shellsession", "terminal"})
_DIFF_LANGS = frozenset({"diff", "patch", "udiff"})
# Files whose content may legitimately start and end with a code fence.
_MARKUP_EXTENSIONS = (".md", ".markdown", ".mdx", ".rst", ".txt", ".adoc")
_LOOKBACK_LINES = 4
# A prose line that announces a new file, above its fenced content.
_CREATES = re.compile(r"\b(?:new|create[sd]?|creating|add|adding)\b", re.IGNORECASE)


def parse_reply(text: str, known_paths: Collection[str] = ()) -> ParsedReply:
    """Every edit, shell suggestion and file mention in a reply. Never raises.

    `known_paths` (the repository's and the chat's files) lets a line that names one of
    them be a path although it would not look like one: `deploy`, `configure`, a name
    with a space."""
    return _ReplyParser(text, KnownPaths(known_paths)).run()


def _is_marker(line: str) -> bool:
    return bool(_HEAD.match(line) or _DIVIDER.match(line) or _UPDATED.match(line))


def _fence(line: str) -> tuple[str, str] | None:
    """(fence run, info string) for a fence line; info is "" for a bare fence."""
    m = _FENCE.match(line)
    if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
        return None
    return m.group(1), m.group(2)


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


class _ReplyParser:
    def __init__(self, text: str, known: KnownPaths) -> None:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.lines = tag_fences_as_backticks(lines)
        self.known = known
        self.edits: list[EditBlock] = []
        self.shell: list[str] = []
        self.mentioned: list[str] = []
        self.warnings: list[ParseWarning] = []
        self.last_path: str | None = None
        self.container: str | None = None  # the fence run of a fence wrapping edit blocks
        self.heads = [i for i, line in enumerate(self.lines) if _HEAD.match(line)]
        # Bare fence lines by fence character, for finding where a fence closes.
        self.bare_fences: dict[str, list[int]] = {"`": [], "~": []}
        for i, line in enumerate(self.lines):
            f = _fence(line)
            if f is not None and not f[1]:
                self.bare_fences[f[0][0]].append(i)

    def run(self) -> ParsedReply:
        i, n = 0, len(self.lines)
        while i < n:
            line = self.lines[i]
            if _HEAD.match(line):
                i = self._edit_block(i)
            elif (f := _fence(line)) is not None:
                i = self._fenced(i, *f)
            else:
                if _UPDATED.match(line):
                    self._warn(i, "a '>>>>>>> REPLACE' line without its '<<<<<<< SEARCH'; ignored")
                elif _LABEL_MARKER.match(line):
                    self._warn(
                        i, f"'{line.strip()}' is a label, not an edit marker: write the lines "
                        "'<<<<<<< SEARCH', '=======' and '>>>>>>> REPLACE' around the old and new code",
                    )
                elif not _DIVIDER.match(line):
                    self._note_mentions(line)
                i += 1
        return ParsedReply(
            edits=self.edits,
            shell_commands=self.shell,
            mentioned_paths=self.mentioned,
            warnings=self.warnings,
        )

    # -- SEARCH/REPLACE blocks -------------------------------------------------------

    def _edit_block(self, head: int) -> int:
        """Read the block starting at `head`; return the index of the next line to scan."""
        path = self._block_path(head)
        n = len(self.lines)
        j = head + 1
        while j < n and not _is_marker(self.lines[j]):
            j += 1
        search = self.lines[head + 1 : j]
        if j >= n or not _DIVIDER.match(self.lines[j]):
            self._add_block(path, search, [], head, "no '=======' line after '<<<<<<< SEARCH'")
            return j + 1 if j < n and _UPDATED.match(self.lines[j]) else j
        divider = j
        j += 1
        while j < n and not (_UPDATED.match(self.lines[j]) or _HEAD.match(self.lines[j])):
            if _DIVIDER.match(self.lines[j]):
                self._warn(j, "a second '=======' inside REPLACE was kept as replacement text")
            j += 1
        replace = self.lines[divider + 1 : j]
        if j < n and _UPDATED.match(self.lines[j]):
            if replace and _DIVIDER.match(replace[-1]):
                # `=======` again just before the end marker (even large models write it):
                # a divider, never file content; in a deletion block it is all of REPLACE.
                if self.warnings and self.warnings[-1].line == j:  # the "kept" warning above
                    self.warnings.pop()
                self._warn(j - 1, "a second '=======' just before '>>>>>>> REPLACE' was dropped")
                replace = replace[:-1]
            self._add_block(path, search, replace, head, None)
            return j + 1
        # No '>>>>>>> REPLACE'. A closing fence ends the block if the model just forgot
        # the marker; with no fence either, the reply was cut off and the block is unsafe.
        close = next((k for k, line in enumerate(replace) if _fence(line) == ("```", "")), None)
        if close is None:
            close = next(
                (k for k, line in enumerate(replace) if (f := _fence(line)) and not f[1]), None
            )
        if close is None:
            problem = (
                "no '>>>>>>> REPLACE' line: the reply seems cut off"
                if j >= n
                else "no '>>>>>>> REPLACE' line before the next '<<<<<<< SEARCH'"
            )
            self._add_block(path, search, replace, head, problem)
            return j
        self._warn(
            divider + 1 + close, "missing '>>>>>>> REPLACE'; the block ends at the closing fence"
        )
        self._add_block(path, search, replace[:close], head, None)
        if self.container is not None:
            self.container = None  # that fence closed the container too
        return divider + 2 + close

    def _block_path(self, head: int) -> str | None:
        on_marker = _HEAD.match(self.lines[head])
        if on_marker and on_marker.group(1).strip():
            path = path_from_line(on_marker.group(1), strict=True)
            if path:
                return path
        path = self._lookback(head, strict=False)
        if path is None and (above := self._line_above(head)) is not None:
            path = quoted_bare_name(above)  # `deploy`: a new file without an extension
        return path

    def _lookback(self, start: int, *, strict: bool) -> str | None:
        """The path named just above line `start`, looking past blank and fence lines
        (DeepSeek wraps the path in its own fence) but never past a block marker."""
        j, seen = start - 1, 0
        while j >= 0 and seen < _LOOKBACK_LINES:
            line = self.lines[j]
            stripped = line.strip()
            if not stripped:
                j, seen = j - 1, seen + 1
                continue
            if (f := _fence(line)) is not None:
                if f[1] and (path := path_in_fence_info(f[1])):
                    return path
                j, seen = j - 1, seen + 1
                continue
            if _is_marker(line):
                return None
            return self.known.match(stripped) or path_from_line(stripped, strict=strict)
        return None

    def _line_above(self, start: int) -> str | None:
        """The first line above `start` that is not blank or a fence (what _lookback reads)."""
        j = start - 1
        while j >= 0 and start - j <= _LOOKBACK_LINES:
            line = self.lines[j]
            if line.strip() and _fence(line) is None:
                return None if _is_marker(line) else line.strip()
            j -= 1
        return None

    def _pathless(self, start: int, default: str) -> str:
        """Why a block has no path, said so the model can fix it."""
        above = self._line_above(start)
        hint = (spaced_name_hint(above) or bare_name_hint(above)) if above else None
        return f"no file path before this block: {hint}" if hint else default

    def _add_block(
        self,
        path: str | None,
        search: list[str],
        replace: list[str],
        head: int,
        problem: str | None,
    ) -> None:
        if path is None:
            path = self.last_path
            if path is None and problem is None:
                problem = self._pathless(
                    head, "no file path before this block: put the path on the line above the fence"
                )
        markup = (path or "").lower().endswith(_MARKUP_EXTENSIONS)
        search = self._unwrap(search, path, markup, head)
        replace = self._unwrap(replace, path, markup, head)
        search_text = _join(search)
        self.edits.append(
            EditBlock(
                path=path or "",
                search=search_text,
                replace=_join(replace),
                kind="new_file" if not search_text.strip() else "search_replace",
                line=head + 1,
                problem=problem,
            )
        )
        if path:
            self.last_path = path

    def _unwrap(self, section: list[str], path: str | None, markup: bool, head: int) -> list[str]:
        """Drop what models put inside a section by mistake: the file's path as the first
        line, and a code fence around the whole section."""
        if path and section and section[0].strip() in (path, f"`{path}`", f"**{path}**"):
            section = section[1:]
        if (
            not markup
            and len(section) >= 2
            and (first := _fence(section[0])) is not None
            and _fence(section[-1]) == (first[0], "")
        ):
            self._warn(head, "removed a code fence wrapped inside the SEARCH/REPLACE section")
            section = section[1:-1]
        return section

    # -- fenced blocks: containers, shell suggestions, whole files -------------------

    def _fenced(self, start: int, run: str, info: str) -> int:
        if self.container is not None and not info and run[0] == self.container[0]:
            self.container = None  # the fence around edit blocks closes
            return start + 1
        close = self._closing_fence(start, run)
        next_head_pos = bisect.bisect_right(self.heads, start)
        next_head = self.heads[next_head_pos] if next_head_pos < len(self.heads) else None
        if next_head is not None and (close is None or next_head < close):
            self.container = run  # edit blocks inside: let the main loop read them
            return start + 1
        lang = info.split()[0].lower() if info else ""
        body = self.lines[start + 1 : close if close is not None else len(self.lines)]
        above = self._line_above(start)
        known = self.known.match(above) if above else None
        if lang in _SHELL_LANGS and close is not None and known is None:
            self._shell_block(body, lang)
            return close + 1
        if not self.heads and close is not None and (lang in _DIFF_LANGS or looks_like_diff(body)):
            if self._unified_diff(body, start):
                return close + 1
        path = path_in_fence_info(info) if info else None
        path = path or self._lookback(start, strict=True)
        if path is None and self.heads and above and _CREATES.search(above):
            path = self._lookback(start, strict=False)  # "Create `helpers.py`:"
        if path is None and close is not None and len(body) > 1:  # `# helpers.py` first
            path, body = self._path_inside(body)
        if path is None:
            if close is None:
                return len(self.lines)
            if not self.heads and lang not in _SHELL_LANGS and any(s.strip() for s in body):
                self._warn(start, self._pathless(
                    start, "a fenced block with no file path before it was not applied"
                ))
            return close + 1
        if self.heads:
            # Beside SEARCH/REPLACE blocks a fenced file is a new file the edits need (a
            # module they import): it applies with them, all or nothing. For an existing
            # file it is only an illustration, and the planner leaves it out.
            self.edits.append(
                EditBlock(
                    path=path, search="", replace=_join(body), kind="whole_file", line=start + 1,
                    only_new=True,
                    problem=None if close is not None else "the fenced file never closes: the reply seems cut off",
                )
            )
            return close + 1 if close is not None else len(self.lines)
        if lang in _DIFF_LANGS and not path.lower().endswith((".diff", ".patch")):
            self._warn(start, "unified diffs are not applied; use SEARCH/REPLACE blocks")
            return close + 1 if close is not None else len(self.lines)
        problem = (
            None if close is not None else "the fenced file never closes: the reply seems cut off"
        )
        self.edits.append(
            EditBlock(
                path=path,
                search="",
                replace=_join(body),
                kind="whole_file",
                line=start + 1,
                problem=problem,
            )
        )
        self.last_path = path
        return close + 1 if close is not None else len(self.lines)

    def _unified_diff(self, body: list[str], start: int) -> bool:
        """Read a unified diff (the format many models fall back to) as SEARCH/REPLACE
        blocks, one per hunk: context and '-' lines to find, context and '+' lines to
        put. False when the body is not a diff with file headers and hunks."""
        hunks = parse_unified_diff(body)
        if not hunks:
            return False
        for path, search, replace in hunks:
            if path is None:
                self._warn(start, "a unified diff without '+++ path' headers: say which file it changes")
                path = ""
            search_text = _join(search)
            self.edits.append(
                EditBlock(
                    path=path, search=search_text, replace=_join(replace),
                    kind="new_file" if not search_text.strip() else "search_replace",
                    line=start + 1,
                    problem=None if path else "a unified diff hunk with no file path: put the "
                    "file's path in '--- a/PATH' and '+++ b/PATH' lines",
                )
            )
            if path:
                self.last_path = path
        return True

    @staticmethod
    def _path_inside(body: list[str]) -> tuple[str | None, list[str]]:
        """Some models put the path as the fence's first line: bare (dropped from the
        content) or as a comment such as `# src/x.py` or `// x.js` (kept: it is a
        valid comment in that file)."""
        first = body[0].strip()
        comment = first.startswith(("#", "//", "--"))
        text = first.lstrip("/-") if first.startswith(("//", "--")) else first
        path = path_from_line(text, strict=True)
        if path is None or not ("/" in path or "." in path):
            return None, body
        return path, body if comment else body[1:]

    def _closing_fence(self, start: int, run: str) -> int | None:
        candidates = self.bare_fences[run[0]]
        k = bisect.bisect_right(candidates, start)
        while k < len(candidates):
            j = candidates[k]
            found = _fence(self.lines[j])
            if found is not None and len(found[0]) >= len(run):
                return j
            k += 1
        return None

    def _shell_block(self, body: list[str], lang: str) -> None:
        lines = [line for line in body if line.strip()]
        prompted = [line.lstrip()[2:] for line in lines if line.lstrip().startswith("$ ")]
        if prompted and (lang in _PROMPTED_LANGS or len(prompted) == len(lines)):
            lines = prompted
        command = "\n".join(lines).strip()
        if command:
            self.shell.append(command)

    # -- prose ----------------------------------------------------------------------

    def _note_mentions(self, line: str) -> None:
        # Normalised (`./src\\x.py` -> `src/x.py`); paths that could never be repository
        # files (absolute, `..`) are left out: they are not files to offer to add.
        for raw in paths_in_prose(line):
            path = normalise(raw).path
            if path is not None and path not in self.mentioned:
                self.mentioned.append(path)

    def _warn(self, index: int, message: str) -> None:
        self.warnings.append(ParseWarning(line=index + 1, message=message))
