"""What the status bar shows, as one value the app updates piece by piece."""

from __future__ import annotations

from pydantic import BaseModel


class GpuReading(BaseModel):
    used_bytes: int
    total_bytes: int

    @property
    def free_bytes(self) -> int:
        return max(self.total_bytes - self.used_bytes, 0)


class StatusInfo(BaseModel):
    repo: str = ""
    branch: str | None = None
    persona: str = ""
    model: str = ""
    think: str = "auto"
    mode: str = "code"
    auto_edits: bool = False
    # The last model call: visible answer tokens, hidden thinking tokens, speed.
    answer_tokens: int | None = None
    thinking_tokens: int | None = None
    tokens_per_s: float | None = None
    # The server sent no usage: the counts are Ingle's estimate ("~12 tok est.").
    tokens_estimated: bool = False
    # The last prompt's estimate against the model's window.
    context_used: int | None = None
    num_ctx: int | None = None
    gpu: GpuReading | None = None  # None: no NVIDIA GPU (the field is hidden)
    claude_today_usd: float | None = None
    busy: bool = False

    def segments(self) -> list[str]:
        """The bar's parts, left to right; absent data leaves its part out."""
        place = self.repo + (f" ⎇ {self.branch}" if self.branch else "")
        if not self.persona:  # not open (yet): nothing else is known
            return [place]
        parts = [place, f"{self.persona} · {self.model or 'persona model'}"]
        parts.append(f"think {self.think}" + (" · ask" if self.mode == "ask" else ""))
        if self.auto_edits:
            parts.append("auto-apply edits")
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
        if self.gpu is not None:
            parts.append(
                f"VRAM {self.gpu.used_bytes / 2**30:.1f}/{self.gpu.total_bytes / 2**30:.1f} GB "
                f"({self.gpu.free_bytes / 2**30:.1f} free)"
            )
        if self.claude_today_usd is not None:
            parts.append(f"Claude ${self.claude_today_usd:.2f} today")
        return [part for part in parts if part]


def _k(value: int) -> str:
    return f"{value / 1000:.1f}k" if value >= 10_000 else str(value)
