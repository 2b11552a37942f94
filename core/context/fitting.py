"""Fitting each attempt of a turn to its rung's window: plan, summarise if asked, re-plan.

The turn calls `prepare_context` before every model call (first try, repairs, climbs: a
climb to qwen3:14b means a 4096-token window) and `ContextTools.estimators.observe` after
it. The window is the one num_ctx the backend sends for the model (the configured value,
capped at the model's trained length), so what is planned is what the server gets.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from ingle.core.config.ladder import Rung
from ingle.core.backends.base import ModelBackend
from ingle.core.backends.errors import BackendError
from ingle.core.backends.ollama import OllamaBackend
from ingle.core.backends.types import ChatMessage
from ingle.core.config.settings import Settings
from ingle.core.context.compaction import CompactionResult
from ingle.core.context.estimator import TokenEstimators
from ingle.core.context.plan_types import (
    ContextInputs,
    ContextPlan,
    ContextWindow,
    MapSource,
    answer_reserve_for,
)
from ingle.core.context.planner import plan_context
from ingle.core.context.prompt_builder import ExtraPart
from ingle.core.repomap.languages import Grammars
from ingle.memory.store import Store

# Claude's window; a `models."claude-..." num_ctx` setting overrides it.
CLAUDE_WINDOW_TOKENS = 200_000

# (history, running summary, size the summary should stay under) -> what to use instead
HistoryCompactor = Callable[[list[ChatMessage], str, int], Awaitable[CompactionResult]]

# A reply asking to see lines a window hid: "show me lines 40-120", "the full file".
_ASKS_FOR_LINES = re.compile(
    r"\blines?\s+\d+|not shown|(?:full|whole|entire|complete)\s+(?:file|text|source)", re.IGNORECASE
)


@dataclass
class ContextTools:
    """What fitting needs that outlives one attempt: an engine keeps one for its life."""

    estimators: TokenEstimators
    grammars: Grammars = field(default_factory=Grammars)
    compactor: HistoryCompactor | None = None

    @classmethod
    def for_store(cls, store: Store | None) -> ContextTools:
        return cls(estimators=TokenEstimators(store))


class PreparedContext(BaseModel):
    plan: ContextPlan
    # The history to use from here on (changed only when compaction ran).
    history: list[ChatMessage]
    history_summary: str
    compaction: CompactionResult | None = None


async def window_tokens(settings: Settings, backend: ModelBackend, rung: Rung) -> int:
    """The num_ctx requests for `rung.model` carry (what the backend itself will send)."""
    if rung.endpoint == "claude":
        entry = settings.models.get(rung.model)
        return entry.num_ctx if entry and entry.num_ctx else CLAUDE_WINDOW_TOKENS
    if isinstance(backend, OllamaBackend):  # capped at the model's trained length, learned once
        try:
            return await backend.num_ctx(rung.model)
        except BackendError:
            pass  # the call itself will fail with the clearer message
    return settings.num_ctx_for(rung.model)


def window_for(settings: Settings, rung: Rung, num_ctx: int, margin: float) -> ContextWindow:
    reserve = answer_reserve_for(num_ctx, rung.think)
    if rung.endpoint == "claude":
        reserve = min(settings.claude.max_tokens, num_ctx // 2)
    return ContextWindow(model=rung.model, num_ctx=num_ctx, answer_reserve=reserve, margin=margin)


async def prepare_context(
    tools: ContextTools,
    settings: Settings,
    backend: ModelBackend,
    rung: Rung,
    inputs: ContextInputs,
    repo_map: MapSource | None,
    *,
    allow_compaction: bool,
) -> PreparedContext:
    """Plan the attempt's prompt; when the plan asks for older turns to be summarised
    (and `allow_compaction`), summarise them and plan again with the summary."""
    from ingle.core.repomap.map import map_budget_for

    num_ctx = await window_tokens(settings, backend, rung)
    estimator = tools.estimators.for_model(rung.model)
    window = window_for(settings, rung, num_ctx, estimator.margin)
    map_default = map_budget_for(num_ctx) if repo_map is not None else 0
    allow = allow_compaction and tools.compactor is not None

    def plan(current: ContextInputs, compacting: bool) -> Awaitable[ContextPlan]:
        return asyncio.to_thread(
            plan_context,
            current,
            window,
            estimator,
            tools.grammars,
            repo_map,
            map_default,
            allow_compaction=compacting,
        )

    first = await plan(inputs, allow)
    if not first.compaction_wanted or tools.compactor is None:
        return PreparedContext(
            plan=first, history=inputs.history, history_summary=inputs.history_summary
        )
    result = await tools.compactor(inputs.history, inputs.history_summary, first.summary_tokens)
    compacted = inputs.model_copy(
        update={"history": result.kept, "history_summary": result.summary}
    )
    second = await plan(compacted, False)
    # The window line, what compaction did, then the rest of the final plan.
    second.decisions[1:1] = result.decisions
    return PreparedContext(
        plan=second, history=result.kept, history_summary=result.summary, compaction=result
    )


def edited_lines(original: str | None, current: str) -> list[int]:
    """0-based lines of `current` that differ from `original` (all of a new file)."""
    new = current.split("\n")
    if original is None:
        return list(range(len(new)))
    lines: list[int] = []
    matcher = difflib.SequenceMatcher(None, original.split("\n"), new, autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            lines.extend(range(j1, j2))
        elif tag == "delete" and j1 < len(new):
            lines.append(j1)  # the line that now stands where code was removed
    return lines


def attempt_inputs(
    *,
    system_prompt: str,
    examples: list[tuple[str, str]],
    instructions: dict[str, str],
    files: dict[str, str],
    originals: dict[str, str],
    history: list[ChatMessage],
    history_summary: str,
    instruction: str,
    exchange: list[ChatMessage],
    pinned: list[str],
    extras: list[ExtraPart] | None = None,
) -> ContextInputs:
    """The inputs of one attempt: on a repair, the instruction and the replies so far go
    before the latest failure, which is the final message."""
    attempts: list[ChatMessage] = []
    final = instruction
    if exchange:
        attempts = [ChatMessage(role="user", content=instruction), *exchange[:-1]]
        final = exchange[-1].content
    return ContextInputs(
        system_prompt=system_prompt,
        examples=examples,
        instructions=instructions,
        files=files,
        history=history,
        history_summary=history_summary,
        attempts=attempts,
        instruction=final,
        focus=instruction if not exchange else f"{instruction}\n{final}",
        edited_lines={
            path: edited_lines(originals.get(path), text)
            for path, text in files.items()
            if originals.get(path) != text
        },
        pinned=pinned,
        extras=list(extras or []),
    )


def asked_for_hidden_lines(reply: str, mentioned: list[str], windowed: list[str]) -> list[str]:
    """Windowed files a reply without edits asks to see in full."""
    if not windowed or not _ASKS_FOR_LINES.search(reply):
        return []
    return [path for path in windowed if path in mentioned or path in reply]
