"""The chat's part of the status bar: where, who, how fast, how full."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ingle.tui.shell.status_bar import StatusBar


class ChatStatusInfo(BaseModel):
    repo: str = ""
    branch: str | None = None
    persona: str = ""
    model: str = ""
    think: str = "auto"
    mode: str = "code"
    auto_edits: bool = False
    best_of: int = 1  # /best N: the first attempt draws N replies
    # The last model call: visible answer tokens, hidden thinking tokens, speed.
    answer_tokens: int | None = None
    thinking_tokens: int | None = None
    tokens_per_s: float | None = None
    # The server sent no usage: the counts are Ingle's estimate ("~12 tok est.").
    tokens_estimated: bool = False
    # The last prompt's estimate against the model's window.
    context_used: int | None = None
    num_ctx: int | None = None
    busy: bool = False
    queued: int = 0  # messages typed during a turn, sent when it ends

    def segments(self) -> list[str]:
        """The chat's fields, left to right; absent data leaves its part out."""
        place = self.repo + (f" ⎇ {self.branch}" if self.branch else "")
        if not self.persona:  # not open (yet): nothing else is known
            return [place]
        parts = [place, f"{self.persona} · {self.model or 'persona model'}"]
        parts.append(f"think {self.think}" + (" · ask" if self.mode == "ask" else ""))
        if self.auto_edits:
            parts.append("auto-apply edits")
        if self.best_of > 1:
            parts.append(f"best of {self.best_of}")
        if self.answer_tokens is not None:
            about = "~" if self.tokens_estimated else ""
            tokens = f"{about}{_k(self.answer_tokens)} tok"
            if self.thinking_tokens:
                tokens += f" + {about}{_k(self.thinking_tokens)} thinking"
            if self.tokens_estimated:
                tokens += " (estimated)"
            if self.tokens_per_s:
                tokens += f" · {self.tokens_per_s:.0f} tok/s"
            parts.append(tokens)
        if self.context_used is not None and self.num_ctx:
            share = self.context_used / self.num_ctx
            parts.append(f"ctx {_k(self.context_used)}/{_k(self.num_ctx)} ({share:.0%})")
        if self.queued:
            parts.append(f"{self.queued} queued")
        return [part for part in parts if part]


class ChatStatus:
    """The chat's fields, kept as one value and drawn into the pane's status bar."""

    def __init__(self, bar: StatusBar) -> None:
        self.bar = bar
        self.info = ChatStatusInfo()

    def set(self, **changes: Any) -> None:
        self.info = self.info.model_copy(update=changes)
        self.bar.set(fields=self.info.segments(), busy=self.info.busy)

    def flush(self) -> None:
        self.bar.flush()


def _k(value: int) -> str:
    return f"{value / 1000:.1f}k" if value >= 10_000 else str(value)
