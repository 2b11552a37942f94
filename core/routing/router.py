"""The router: which persona, model and thinking mode each rung of a task uses.

The user's rule: try fast and local, escalate only on failure. `route()` turns a task
kind and what is known about context size, VRAM and Claude's availability into the
ladder of rungs a turn climbs. It is pure and fast (no I/O): whatever needs a server
(the VRAM view, today's spend) is gathered before and passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingle.core.config.ladder import Rung
from ingle.core.backends.types import ThinkSetting
from ingle.core.config.cascade import EscalateMode, RungSpec, RungThink
from ingle.core.config.settings import Settings
from ingle.core.routing.vram import VramView
from ingle.personas.model import ModelRef
from ingle.personas.resolved import ResolvedPersona

TASK_KINDS = (
    "code", "frontend", "architecture", "review", "classification", "translation",
    "writing", "summary", "chat",
)
# Task kinds whose result is an answer, not a change: a reply without an edit is fine.
ANSWER_KINDS = frozenset({"chat", "review", "summary", "classification"})
# Room left for the answer when deciding whether a prompt fits a model's window.
ANSWER_RESERVE_TOKENS = 1024


@dataclass(frozen=True)
class ClaudeAccess:
    """Whether Claude may be used for this task, and if not, why (shown to the person)."""

    allowed: bool
    reason: str = ""


@dataclass
class RouteRequest:
    kind: str
    persona: ResolvedPersona
    model_override: str | None = None  # --model: the first rung's model
    think_override: ThinkSetting | None = None  # the session's thinking toggle
    prompt_tokens: int = 0  # estimate of the prompt, for the long-context rule
    escalate: EscalateMode = "auto"
    claude: ClaudeAccess = field(default_factory=lambda: ClaudeAccess(False, "no key"))
    vram: VramView | None = None


@dataclass
class Route:
    rungs: list[Rung]
    kind: str = "chat"  # the task kind whose ladder this is
    notes: list[str] = field(default_factory=list)  # every decision, for the events
    claude_withheld: str = ""  # why Claude is not on the ladder, when it would have been
    # The task (by the classifier, a command or the persona) is a question, not a change.
    question: bool = False
    # Set when the turn must not run at all (escalate=always without Claude): what to do.
    stop: str = ""


def task_kind(persona: ResolvedPersona, command_kind: str | None = None) -> str:
    """A slash command's kind wins; otherwise the persona's first task kind."""
    if command_kind in TASK_KINDS:
        return command_kind
    return persona.persona.task_kinds[0] if persona.persona.task_kinds else "chat"


def claude_access(
    settings: Settings, persona: ResolvedPersona, spent_today_usd: float
) -> ClaudeAccess:
    cascade = settings.cascade
    if cascade.escalate == "never":
        return ClaudeAccess(False, "escalation is off (cascade.escalate = never)")
    if cascade.local_only:
        return ClaudeAccess(False, "this repository is local-only")
    if persona.name in cascade.local_only_personas or "local-only" in persona.persona.tags:
        return ClaudeAccess(False, f"persona {persona.name} is local-only")
    if settings.claude.api_key is None:
        return ClaudeAccess(False, "no ANTHROPIC_API_KEY is set")
    cap = settings.claude.daily_cap_usd
    if spent_today_usd >= cap:
        return ClaudeAccess(
            False, f"Claude's daily cap is reached (${spent_today_usd:.2f} of ${cap:.2f} today)"
        )
    return ClaudeAccess(True)


def escalation_refusal(settings: Settings, claude: ClaudeAccess) -> str:
    """Why a turn sent straight to Claude cannot run, and what to do ("" when it can)."""
    if claude.allowed:
        return ""
    if settings.claude.api_key is None:
        return (
            "Claude is unavailable: no ANTHROPIC_API_KEY is set. Set it (export "
            "ANTHROPIC_API_KEY=sk-ant-...) and start Ingle again; nothing was sent."
        )
    return f"Claude is unavailable: {claude.reason}; nothing was sent."


def route(settings: Settings, request: RouteRequest) -> Route:
    specs = settings.cascade.ladders.get(request.kind) or settings.cascade.ladders.get("chat") or [
        RungSpec()
    ]
    result = Route(rungs=[], kind=request.kind, question=request.kind in ANSWER_KINDS)
    if request.escalate == "always":
        if request.claude.allowed:
            result.rungs.append(_claude_rung(settings))
            result.notes.append("escalate=always: straight to Claude")
            return result
        # Asked for Claude and Claude cannot be had: running a local model instead would
        # not be what was asked for.
        result.stop = escalation_refusal(settings, request.claude)
        result.notes.append(f"escalate=always, but Claude is unavailable: {request.claude.reason}")
    for index, spec in enumerate(specs):
        if spec.model == "claude":
            if request.escalate == "never" or not request.claude.allowed:
                result.claude_withheld = request.claude.reason or "escalation is off"
                result.notes.append(f"rung {index + 1} (Claude) skipped: {result.claude_withheld}")
                continue
            result.rungs.append(_claude_rung(settings))
            continue
        rung = _local_rung(settings, request, spec, first=not result.rungs)
        rung = _fit_context(settings, request, rung, result.notes)
        rung = _fit_vram(settings, request, rung, result.notes)
        if result.rungs and _same(result.rungs[-1], rung):
            result.notes.append(f"rung {index + 1} would repeat {rung.model}; merged")
            continue
        result.rungs.append(rung)
    if not result.rungs:  # a ladder of Claude only, with Claude withheld: run locally anyway
        result.rungs.append(_local_rung(settings, request, RungSpec(), first=True))
    return result


def _claude_rung(settings: Settings) -> Rung:
    return Rung(model=settings.claude.model, endpoint="claude", think=False, label="claude")


def _resolve_model(settings: Settings, persona: ResolvedPersona, name: str) -> ModelRef:
    if name == "persona":
        return persona.model_ref
    if name.startswith("role:"):
        role = name.removeprefix("role:")
        return ModelRef.parse(settings.roles.get(role) or persona.model_ref.model)
    return ModelRef.parse(name)


def _think(request: RouteRequest, spec_think: RungThink, first: bool) -> ThinkSetting:
    if first and request.think_override is not None:
        return request.think_override
    if spec_think == "persona":
        return request.persona.think(retry=not first)
    if spec_think in ("on", "off"):
        return spec_think == "on"
    return spec_think


def _local_rung(settings: Settings, request: RouteRequest, spec: RungSpec, first: bool) -> Rung:
    ref = (
        ModelRef.parse(request.model_override)
        if first and request.model_override
        else _resolve_model(settings, request.persona, spec.model)
    )
    return Rung(
        model=ref.model, endpoint=ref.endpoint, think=_think(request, spec.think, first),
        label=spec.model,
    )


def _fit_context(settings: Settings, request: RouteRequest, rung: Rung, notes: list[str]) -> Rung:
    """Long context goes to the model with room for it (14B fits only ~4K on 12 GB)."""
    needed = request.prompt_tokens + ANSWER_RESERVE_TOKENS
    if needed <= settings.num_ctx_for(rung.model):
        return rung
    wider = ModelRef.parse(settings.roles.get("code") or request.persona.model_ref.model)
    if settings.num_ctx_for(wider.model) > settings.num_ctx_for(rung.model):
        notes.append(
            f"{rung.model} holds {settings.num_ctx_for(rung.model)} tokens, the prompt needs "
            f"~{needed}: using {wider.model} instead"
        )
        return rung.model_copy(update={"model": wider.model, "endpoint": wider.endpoint})
    return rung


def _fit_vram(settings: Settings, request: RouteRequest, rung: Rung, notes: list[str]) -> Rung:
    view = request.vram
    if view is None:
        return rung
    fallbacks = [ModelRef.parse(m).model for m in request.persona.persona.fallback_models]
    # The rung's own model runs unless known not to fit; a fallback only when known to fit
    # (a size unknown to /api/tags means it is not installed).
    fitting = [rung.model] if view.fits(rung.model, settings.num_ctx_for(rung.model)) is not False else []
    fitting += [m for m in fallbacks if view.fits(m, settings.num_ctx_for(m)) is True]
    loaded = [m for m in fitting if m in view.loaded]
    if rung.model in fitting and (not loaded or rung.model in loaded):
        return rung
    if loaded:  # two would do: prefer the one already in VRAM (no load wait)
        notes.append(f"{loaded[0]} is already loaded and fits: using it instead of {rung.model}")
        return rung.model_copy(update={"model": loaded[0]})
    if fitting:
        notes.append(f"{rung.model} does not fit in VRAM at its num_ctx: using {fitting[0]}")
        return rung.model_copy(update={"model": fitting[0]})
    smaller = ModelRef.parse(settings.roles.get("code") or rung.model).model
    if smaller != rung.model and view.fits(smaller, settings.num_ctx_for(smaller)) is not False:
        notes.append(f"{rung.model} does not fit in VRAM at its num_ctx: using {smaller}")
        return rung.model_copy(update={"model": smaller})
    return rung


def _same(a: Rung, b: Rung) -> bool:
    return (a.model, a.endpoint, a.think) == (b.model, b.endpoint, b.think)
