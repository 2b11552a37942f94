"""Explaining a context plan to the person: the `/tokens` breakdown and the overflow advice."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ingle.core.config.settings import Settings
from ingle.core.context.plan_types import ContextPlan
from ingle.personas.model import ModelRef

# Sections in the order the prompt carries them (others follow, largest first).
SECTION_ORDER = (
    "system",
    "instructions",
    "memories",
    "repo_map",
    "files",
    "examples",
    "history",
    "instruction",
    "overhead",
)


class ContextBreakdown(BaseModel):
    """What the next turn would send, per section, against the model's window."""

    model: str
    num_ctx: int
    sections: dict[str, int]  # estimated tokens per section
    used: int  # the prompt's estimate (the sections' sum)
    answer_reserve: int  # kept free for the reply
    margin_tokens: int  # kept free for the estimate being wrong
    free: int  # what is left: num_ctx - used - reserve - margin (negative: over)
    fits: bool
    decisions: list[str] = Field(default_factory=list)
    chars_per_token: float
    calibration_samples: int

    @property
    def fraction_used(self) -> float:
        return self.used / self.num_ctx if self.num_ctx else 0.0

    def lines(self) -> list[str]:
        """The breakdown as text, one line each."""
        out = [
            f"{self.model}: ~{self.used} of {self.num_ctx} tokens ({self.fraction_used:.0%}), "
            f"{self.answer_reserve} kept for the answer, {self.margin_tokens} margin, "
            f"{max(self.free, 0)} free" + ("" if self.fits else " - does not fit")
        ]
        for name in ordered_sections(self.sections):
            out.append(f"  {name:<13}{self.sections[name]:>8}")
        calibration = (
            f"{self.chars_per_token:.2f} chars/token from {self.calibration_samples} call(s)"
            if self.calibration_samples
            else f"{self.chars_per_token:.2f} chars/token (prior, not yet calibrated)"
        )
        out.append(f"  estimate: {calibration}")
        out += [f"  - {d}" for d in self.decisions]
        return out


def ordered_sections(sections: dict[str, int]) -> list[str]:
    known = [s for s in SECTION_ORDER if sections.get(s)]
    rest = sorted(
        (s for s in sections if s not in SECTION_ORDER and sections[s]), key=lambda s: -sections[s]
    )
    return known + rest


def breakdown_of(plan: ContextPlan, chars_per_token: float, samples: int) -> ContextBreakdown:
    window = plan.window
    margin = round(plan.tokens * window.margin)
    return ContextBreakdown(
        model=window.model,
        num_ctx=window.num_ctx,
        sections=plan.sections,
        used=plan.tokens,
        answer_reserve=window.answer_reserve,
        margin_tokens=margin,
        free=window.num_ctx - plan.tokens - window.answer_reserve - margin,
        fits=plan.fits,
        decisions=plan.decisions[1:],  # the first restates the window, shown above
        chars_per_token=chars_per_token,
        calibration_samples=samples,
    )


def largest_context_model(settings: Settings, other_than: str = "") -> tuple[str, int] | None:
    """The model with the largest num_ctx among the configured roles (but `other_than`)."""
    best: tuple[str, int] | None = None
    for name in settings.roles.values():
        try:
            model = ModelRef.parse(name).model
        except ValueError:
            continue
        if model == other_than:
            continue
        size = settings.num_ctx_for(model)
        if best is None or size > best[1]:
            best = (model, size)
    return best


def overflow_advice(plan: ContextPlan, settings: Settings) -> str:
    """Why the prompt cannot fit even after every shrink step, and what to do about it."""
    window = plan.window
    shrunk = plan.decisions[1:]
    done = f" after shrinking it ({'; '.join(shrunk)})" if shrunk else ""
    lines = [
        (
            f"The prompt needs about {plan.tokens} tokens, but {window.model}'s "
            f"{window.num_ctx}-token window leaves {window.prompt_budget} for it "
            f"({window.answer_reserve} kept for the answer, {window.margin:.0%} margin){done}. "
            "Nothing was sent and nothing was changed."
        )
    ]
    files = sorted(plan.file_tokens.items(), key=lambda item: -item[1])[:3]
    if files:
        named = ", ".join(f"{path} (~{tokens} tokens)" for path, tokens in files)
        lines.append(f"Largest files in the chat: {named}. Drop some (/drop FILE) and ask again.")
    else:
        parts = ", ".join(
            f"{name} ~{plan.sections[name]}" for name in ordered_sections(plan.sections)[:4]
        )
        lines.append(
            f"The biggest parts: {parts}. Shorten the request or the project instructions."
        )
    larger = largest_context_model(settings, other_than=window.model)
    if larger is not None and larger[1] > window.num_ctx:
        lines.append(
            f"Or use {larger[0]}, which holds {larger[1]} tokens: /model {larger[0]} "
            f"(in batch mode: --model {larger[0]})."
        )
    return "\n".join(lines)
