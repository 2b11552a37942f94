"""The code in a model's reply: its fenced blocks, by language (checks and HumanEval share it)."""

from __future__ import annotations

import re

FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                   re.MULTILINE | re.DOTALL)
ALIASES = {"py": "python", "js": "javascript", "ts": "typescript", "golang": "go"}


def code_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, in order."""
    return [(ALIASES.get(m["info"].strip().split(" ")[0].lower(), m["info"].strip().split(" ")[0].lower())
             if m["info"].strip() else "", m["body"]) for m in FENCE.finditer(text)]


def code_of(text: str, language: str = "") -> str:
    """The reply's code: the first fenced block in `language` (or any), else the whole reply."""
    blocks = code_blocks(text)
    for lang, body in blocks:
        if not language or lang == language:
            return body
    return blocks[0][1] if blocks else text
