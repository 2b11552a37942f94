"""`<source>` fences: Aider's prompts fence code with `<source>...</source>` when a file
already holds triple backticks, and models that learnt from those prompts copy it. A
tag alone on its line, with its closing tag alone on a later line, is read as a code
fence (its language kept), so the path on the line above it is found as usual."""

from __future__ import annotations

import re
from collections.abc import Sequence

_TAGS = "source|sourcecode|codeblock"
_OPEN = re.compile(rf"^\s*<({_TAGS})>\s*([\w+#.-]*)\s*$", re.IGNORECASE)
_CLOSE = re.compile(rf"^\s*</({_TAGS})>\s*$", re.IGNORECASE)


def tag_fences_as_backticks(lines: Sequence[str]) -> list[str]:
    """The reply's lines with each paired `<source>`/`</source>` turned into a fence."""
    out = list(lines)
    opened: tuple[int, str, str] | None = None
    for i, line in enumerate(lines):
        if opened is None:
            if (m := _OPEN.match(line)) is not None:
                opened = (i, m.group(1).lower(), m.group(2))
        elif (m := _CLOSE.match(line)) is not None and m.group(1).lower() == opened[1]:
            start, _, lang = opened
            # Longer than any backtick fence inside, so the inside stays content.
            inner = max((len(r) for l in lines[start + 1 : i] for r in re.findall(r"`{3,}", l)), default=2)
            fence = "`" * max(3, inner + 1)
            out[start], out[i] = fence + lang, fence
            opened = None
    return out
