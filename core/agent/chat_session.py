"""The state of one conversation with a repository: files in the chat, history, choices."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ingle.core.backends.types import ChatMessage, ThinkSetting


class ChatSession(BaseModel):
    chat_files: list[str] = Field(default_factory=list)
    history: list[ChatMessage] = Field(default_factory=list)
    # The running summary of older turns that compaction replaced (sent before `history`).
    history_summary: str = ""
    persona: str
    model: str | None = None  # overrides the persona's model for the first rung
    think: ThinkSetting | None = None  # overrides the persona's first-attempt policy
    mode: Literal["code", "ask"] = "code"
    kind: str | None = None  # a task kind chosen by a command (/architect...); None: the persona's
    auto_approve_edits: bool = False
    tests: bool | None = None  # /test on|off; None: the config's tests.enabled
    best_of: int = 1  # /best N: the first attempt draws N replies and keeps one
    gates: str | list[str] = "auto"  # /gates: "auto", "off" or gate names; saved with the session
