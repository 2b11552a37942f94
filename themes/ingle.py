"""Ingle's own colour themes, registered with Textual next to its built-in ones."""

from __future__ import annotations

from textual.theme import Theme

INGLE_DARK = Theme(
    name="ingle-dark",
    primary="#5FA8D3",  # calm blue: focus, links, the prompt
    secondary="#8E7CC3",
    accent="#F2A65A",  # warm amber: what needs the person's attention
    foreground="#D8DEE9",
    background="#14181F",
    surface="#1B212B",
    panel="#232B38",
    success="#7FB685",
    warning="#E5C07B",
    error="#E06C75",
    dark=True,
    variables={
        "footer-key-foreground": "#F2A65A",
        "block-cursor-text-style": "none",
        "input-selection-background": "#5FA8D3 35%",
    },
)

INGLE_LIGHT = Theme(
    name="ingle-light",
    primary="#1F6FA8",
    secondary="#6A4FB3",
    accent="#B85C00",
    foreground="#1E2430",
    background="#F7F5F0",  # paper, not pure white: easier on the eyes all day
    surface="#EFECE4",
    panel="#E3DFD4",
    success="#2E7D32",
    warning="#9A6B00",
    error="#B3261E",
    dark=False,
    variables={
        "footer-key-foreground": "#B85C00",
        "block-cursor-text-style": "none",
        "input-selection-background": "#1F6FA8 25%",
    },
)

INGLE_THEMES: tuple[Theme, ...] = (INGLE_DARK, INGLE_LIGHT)
DEFAULT_THEME = INGLE_DARK.name
