"""The code in a model's reply: the main fenced block, and whatever was said around it.

Small models wrap code in Markdown fences, sometimes with a sentence before or after,
sometimes with a second block (a usage example, a shell command). The main block is
the longest one tagged with the wanted language, else the longest that is not a shell
snippet; a reply with no fence at all is taken as bare code.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from pydantic import BaseModel

# CommonMark: up to three spaces, then three or more backticks or tildes, then an info string.
_FENCE = re.compile(r"^ {0,3}(?P<run>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_SHELL_TAGS = frozenset({"bash", "sh", "shell", "console", "zsh", "powershell", "ps1", "cmd"})


class FencedBlock(BaseModel):
    tag: str  # the info string's first word, lower case ("" when untagged)
    code: str
    start: int  # line index of the opening fence
    end: int  # line index after the closing fence (or the end of the reply)


class ExtractedCode(BaseModel):
    code: str
    notes: str  # the reply outside the chosen block, trimmed
    fenced: bool  # False: no fence found, the whole reply was taken as code


def fenced_blocks(text: str) -> list[FencedBlock]:
    lines = text.splitlines()
    blocks: list[FencedBlock] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        run = opening["run"]
        close = _closing(lines, i + 1, run)
        body_end = close if close is not None else len(lines)
        blocks.append(
            FencedBlock(
                tag=opening["info"].lower(),
                code="\n".join(lines[i + 1 : body_end]),
                start=i,
                end=body_end + 1 if close is not None else body_end,
            )
        )
        i = body_end + 1
    return blocks


def _closing(lines: list[str], start: int, run: str) -> int | None:
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped and set(stripped) == {run[0]} and len(stripped) >= len(run):
            return j
    return None


def extract_code(text: str, tags: Collection[str], *, shell: bool = False) -> ExtractedCode:
    """The main block for a language known by `tags` (e.g. {"python", "py"})."""
    blocks = fenced_blocks(text)
    if not blocks:
        return ExtractedCode(code=_tidy(text), notes="", fenced=False)
    wanted = [b for b in blocks if b.tag in tags]
    if not wanted:
        wanted = [b for b in blocks if shell or b.tag not in _SHELL_TAGS] or blocks
    main = max(wanted, key=lambda b: len(b.code))
    lines = text.splitlines()
    notes = "\n".join(lines[: main.start] + lines[main.end :]).strip()
    return ExtractedCode(code=_tidy(main.code), notes=notes, fenced=True)


def _tidy(code: str) -> str:
    """No blank lines around the code, one newline at the end; "" when there is no code."""
    return code.strip("\n") + "\n" if code.strip() else ""
