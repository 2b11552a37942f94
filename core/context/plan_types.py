"""What the context planner works with: a model's window, everything an attempt may send,
and the plan that says what goes (core/context/planner.py makes the plan)."""

from __future__ import annotations

import math
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from ingle.core.backends.types import ChatMessage, ThinkSetting
from ingle.core.context.prompt_builder import ExtraPart, PromptParts
from ingle.core.context.windowing import FileWindow

MapSource = Callable[[int], str]  # token budget -> repo map text


class ContextWindow(BaseModel):
    """One model's window and how much of it the prompt may use."""

    model_config = ConfigDict(frozen=True)

    model: str
    num_ctx: int
    answer_reserve: int  # kept free for the reply (thinking included)
    margin: float  # fraction of the prompt's estimate kept spare

    @property
    def prompt_budget(self) -> int:
        return max(math.floor((self.num_ctx - self.answer_reserve) / (1 + self.margin)), 0)

    def describe(self, samples: int) -> str:
        learned = f"calibrated from {samples} call(s)" if samples else "not yet calibrated"
        return (
            f"{self.model}: {self.num_ctx}-token window, {self.answer_reserve} kept for the "
            f"answer, {self.margin:.0%} margin ({learned}): prompt budget {self.prompt_budget}"
        )


def answer_reserve_for(num_ctx: int, think: ThinkSetting | None) -> int:
    """A quarter of the window (1024 of qwen3:14b's 4096), more when the model thinks:
    thinking tokens fill the window like the answer's."""
    reserve = min(max(num_ctx // 4, 512), 8192)
    if think not in (None, False):
        reserve = min(reserve * 3 // 2, num_ctx // 2)
    return min(reserve, num_ctx // 2)


class ContextInputs(BaseModel):
    """Everything an attempt may send, at full size; the plan decides what goes."""

    system_prompt: str
    examples: list[tuple[str, str]] = Field(default_factory=list)
    instructions: dict[str, str] = Field(default_factory=dict)
    memories: list[str] = Field(default_factory=list)
    extras: list[ExtraPart] = Field(default_factory=list)
    files: dict[str, str] = Field(default_factory=dict)  # path -> full (candidate) text
    history_summary: str = ""
    history: list[ChatMessage] = Field(default_factory=list)  # the session's turns, oldest first
    # This turn before its final message: the instruction, then each earlier reply and the
    # failure it got, then the latest reply (empty on a first attempt).
    attempts: list[ChatMessage] = Field(default_factory=list)
    instruction: str  # the final user message: the instruction, or the latest failure
    focus: str = ""  # text whose identifiers mark the code that matters
    edited_lines: dict[str, list[int]] = Field(default_factory=dict)  # 0-based, per file
    pinned: list[str] = Field(default_factory=list)  # files never windowed


class ContextPlan(BaseModel):
    window: ContextWindow
    parts: PromptParts
    messages: list[ChatMessage]
    sections: dict[str, int]  # estimated tokens; they sum to `tokens`
    tokens: int
    fits: bool
    decisions: list[str]
    # Summarising older turns would help, or history passed its share.
    compaction_wanted: bool = False
    older_turns: int = 0  # exchanges the summary would fold in
    summary_tokens: int = 0  # the size a summary should stay under
    file_tokens: dict[str, int] = Field(default_factory=dict)  # each chat file at full size
    windowed: dict[str, FileWindow] = Field(default_factory=dict)
