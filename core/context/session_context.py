"""The context budget of an engine's session: what the front ends call through the Engine.

`/tokens` (the breakdown of what the next turn would send), `/compact` (summarise older
turns now), the compactor turns use (which also stores the new summary in the session),
and the prompt estimate the router's long-context rule needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.config.ladder import Rung
from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.context.breakdown import ContextBreakdown, breakdown_of
from ingle.core.context.compaction import (
    SUMMARIZER,
    CompactionResult,
    Summariser,
    compact_history,
)
from ingle.core.context.fitting import ContextTools, window_for
from ingle.core.context.planner import (
    KEEP_EXCHANGES,
    ContextInputs,
    essential_tokens,
    plan_context,
    summary_budget,
)
from ingle.core.context.prompt_builder import read_instruction_files

if TYPE_CHECKING:
    from ingle.core.agent.engine import Engine

ON_DEMAND_KEEP_EXCHANGES = 1  # `/compact` keeps only the last exchange verbatim


def context_tools_for(engine: Engine) -> ContextTools:
    from ingle.core.context.estimator import TokenEstimators

    async def compactor(
        history: list[ChatMessage], summary: str, summary_tokens: int
    ) -> CompactionResult:
        return await compact_session(engine, history, summary, summary_tokens, KEEP_EXCHANGES)

    return ContextTools(estimators=TokenEstimators(engine.store), compactor=compactor)


def session_inputs(engine: Engine, instruction: str) -> ContextInputs:
    """The next turn's inputs as they stand: the chat files read from disk now."""
    from ingle.core.agent.turn_types import read_text_file

    files: dict[str, str] = {}
    for rel in engine.session.chat_files:
        text = read_text_file(engine.root / rel)
        if text is not None:
            files[rel] = text
    persona = engine.persona
    return ContextInputs(
        system_prompt=persona.system_prompt(),
        examples=persona.example_pairs(),
        instructions=dict(read_instruction_files(engine.root, engine.settings.instruction_files)),
        files=files,
        history=list(engine.session.history),
        history_summary=engine.session.history_summary,
        instruction=instruction,
        focus=instruction,
    )


def first_rung(engine: Engine) -> Rung:
    think = engine.session.think if engine.session.think is not None else engine.persona.think()
    return Rung(model=engine.first_model(), think=think)


def prompt_estimate(engine: Engine, instruction: str) -> int:
    estimator = engine.context.estimators.for_model(engine.first_model())
    return essential_tokens(session_inputs(engine, instruction), estimator)


def token_breakdown(engine: Engine) -> ContextBreakdown:
    """What the next turn would send to its first model, per section, against its window.
    Synchronous (it may build the repo map): a TUI calls it from a worker thread."""
    from ingle.core.repomap.service import repo_mapper_for
    from ingle.core.repomap.map import map_budget_for

    rung = first_rung(engine)
    estimator = engine.context.estimators.for_model(rung.model)
    num_ctx = engine.settings.num_ctx_for(rung.model)
    window = window_for(engine.settings, rung, num_ctx, estimator.margin)
    inputs = session_inputs(engine, "")
    repo_map = None
    if engine.session.mode == "code":
        mapper, files = repo_mapper_for(engine), set(engine.session.chat_files)
        repo_map = lambda budget: mapper(files, "", budget)
    plan = plan_context(
        inputs,
        window,
        estimator,
        engine.context.grammars,
        repo_map,
        map_budget_for(num_ctx),
        allow_compaction=True,
    )
    return breakdown_of(plan, estimator.chars_per_token, estimator.samples)


def summariser_for(engine: Engine) -> Summariser | None:
    """The summariser persona on its own model, or None when it cannot be used."""
    caller = engine.workbench.caller
    if SUMMARIZER not in engine.registry:
        return None
    persona = engine.registry.get(SUMMARIZER)
    ref = persona.model_ref
    try:
        caller.pool.backend(caller.pool.endpoint_of(ref))  # an unknown endpoint: no summariser
    except BackendError:
        return None
    return Summariser(
        persona,
        caller,
        engine.context.estimators,
        engine.settings.num_ctx_for(ref.model),
        timeout_s=engine.settings.cascade.rung_timeout_s,
    )


async def compact_session(
    engine: Engine,
    history: list[ChatMessage],
    summary: str,
    summary_tokens: int,
    keep_exchanges: int,
) -> CompactionResult:
    """Summarise older turns; on success the session keeps the summary and the kept
    turns. A failure leaves the session as it was (nothing is lost)."""
    result = await compact_history(
        history,
        summary,
        summariser_for(engine),
        summary_tokens=summary_tokens,
        keep_exchanges=keep_exchanges,
    )
    if result.ok and result.summarised_turns:
        engine.session.history_summary = result.summary
        engine.session.history = list(result.kept)
    return result


async def compact_now(engine: Engine) -> CompactionResult:
    """`/compact`: summarise all but the last exchange, whatever the history's size."""
    rung = first_rung(engine)
    estimator = engine.context.estimators.for_model(rung.model)
    window = window_for(
        engine.settings, rung, engine.settings.num_ctx_for(rung.model), estimator.margin
    )
    history = list(engine.session.history)
    result = await compact_session(
        engine,
        history,
        engine.session.history_summary,
        summary_budget(window),
        ON_DEMAND_KEEP_EXCHANGES,
    )
    if result.ok:
        return result
    # Asked for by hand, a failure changes nothing (there is no prompt to make room in).
    return result.model_copy(
        update={
            "kept": history,
            "dropped_turns": 0,
            "decisions": [f"history: summarising failed ({result.error}); nothing was changed"],
        }
    )
