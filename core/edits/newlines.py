"""Keeping a file's line-ending and final-newline conventions through an edit.

Matching works on `\\n` text; a CRLF file must still come out CRLF, and a file without
a final newline must not gain one (or the reverse), or every edit would show up as a
whole-file diff. The dominant ending wins for a file that mixes both.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TextStyle:
    crlf: bool = False
    final_newline: bool | None = None  # None: the file was empty, no convention


def to_lf(text: str) -> str:
    return text.replace("\r\n", "\n")


def style_of(text: str) -> TextStyle:
    crlf = text.count("\r\n")
    return TextStyle(
        crlf=crlf > 0 and crlf * 2 >= text.count("\n"),
        final_newline=text.endswith("\n") if text else None,
    )


def style_of_bytes(data: bytes) -> TextStyle:
    crlf = data.count(b"\r\n")
    return TextStyle(
        crlf=crlf > 0 and crlf * 2 >= data.count(b"\n"),
        final_newline=data.endswith(b"\n") if data else None,
    )


def apply_style(text: str, style: TextStyle) -> str:
    """`text` (any endings) rewritten in `style`."""
    text = to_lf(text)
    if style.final_newline is False and text.endswith("\n"):
        text = text[:-1]
    elif style.final_newline is True and text and not text.endswith("\n"):
        text += "\n"
    return text.replace("\n", "\r\n") if style.crlf else text
