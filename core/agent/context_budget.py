"""The context budget of a coding session: `/tokens` (what the next turn would send, per
section), `/compact` (summarise older turns now), the compactor turns use (which also
stores the new summary in the session), and the prompt estimate the router's
long-context rule needs.

`SessionBudget` takes the parts it reads (settings, root, the session's state, the
personas, the persona caller, the store, the repo map) and the session's choice of first
model; it never sees the session object that built it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingle.core.agent.chat_session import ChatSession
from ingle.core.agent.turn_types import read_text_file
from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.config.ladder import Rung
from ingle.core.config.settings import Settings
from ingle.core.context.breakdown import ContextBreakdown, breakdown_of
from ingle.core.context.compaction import (
    SUMMARIZER,
    CompactionResult,
    Summariser,
    compact_history,
)
from ingle.core.context.estimator import TokenEstimators
from ingle.core.context.fitting import ContextTools, attempt_inputs, window_for
from ingle.core.context.planner import (
    KEEP_EXCHANGES,
    ContextInputs,
    essential_tokens,
    plan_context,
    summary_budget,
)
from ingle.core.context.prompt_builder import read_instruction_files
from ingle.core.repomap.service import LazyRepoMap
from ingle.memory.store import Store
from ingle.personas.registry import PersonaRegistry
from ingle.personas.resolved import ResolvedPersona

ON_DEMAND_KEEP_EXCHANGES = 1  # `/compact` keeps only the last exchange verbatim


class SessionBudget:
    def __init__(
        self,
        settings: Settings,
        root: Path,
        session: ChatSession,
        personas: PersonaRegistry,
        caller: PersonaCaller,
        store: Store,
        repo_map: LazyRepoMap,
        first_model: Callable[[], str],
    ) -> None:
        self.settings = settings
        self.root = root
        self.session = session
        self.personas = personas
        self.caller = caller
        self.repo_map = repo_map
        self.first_model = first_model
        self.tools = ContextTools(estimators=TokenEstimators(store), compactor=self._compactor)

    @property
    def persona(self) -> ResolvedPersona:
        return self.personas.get(self.session.persona)

    async def _compactor(
        self, history: list[ChatMessage], summary: str, summary_tokens: int
    ) -> CompactionResult:
        return await self.compact_session(history, summary, summary_tokens, KEEP_EXCHANGES)

    def inputs(self, instruction: str) -> ContextInputs:
        """The next turn's inputs as they stand: the chat files read from disk now, built
        as a turn builds its first attempt's (`attempt_inputs`), so /tokens shows what it
        would send."""
        files: dict[str, str] = {}
        for rel in self.session.chat_files:
            text = read_text_file(self.root / rel)
            if text is not None:
                files[rel] = text
        persona = self.persona
        return attempt_inputs(
            system_prompt=persona.system_prompt(),
            examples=persona.example_pairs(),
            instructions=dict(read_instruction_files(self.root, self.settings.instruction_files)),
            files=files,
            originals=files,  # nothing edited yet
            history=list(self.session.history),
            history_summary=self.session.history_summary,
            instruction=instruction,
            exchange=[],
            pinned=[],
        )

    def first_rung(self) -> Rung:
        think = self.session.think if self.session.think is not None else self.persona.think()
        return Rung(model=self.first_model(), think=think)

    def prompt_estimate(self, instruction: str) -> int:
        estimator = self.tools.estimators.for_model(self.first_model())
        return essential_tokens(self.inputs(instruction), estimator)

    def token_breakdown(self) -> ContextBreakdown:
        """What the next turn would send to its first model, per section, against its
        window. Synchronous (it may build the repo map): a TUI calls it from a worker thread."""
        from ingle.core.repomap.map import map_budget_for

        rung = self.first_rung()
        estimator = self.tools.estimators.for_model(rung.model)
        num_ctx = self.settings.num_ctx_for(rung.model)
        window = window_for(self.settings, rung, num_ctx, estimator.margin)
        repo_map = None
        if self.session.mode == "code":
            mapper, files = self.repo_map, set(self.session.chat_files)
            repo_map = lambda budget: mapper(files, "", budget)  # noqa: E731
        plan = plan_context(
            self.inputs(""),
            window,
            estimator,
            self.tools.grammars,
            repo_map,
            map_budget_for(num_ctx),
            allow_compaction=True,
        )
        return breakdown_of(plan, estimator.chars_per_token, estimator.samples)

    def summariser(self) -> Summariser | None:
        """The summariser persona on its own model, or None when it cannot be used."""
        if SUMMARIZER not in self.personas:
            return None
        persona = self.personas.get(SUMMARIZER)
        ref = persona.model_ref
        try:
            self.caller.pool.backend(self.caller.pool.endpoint_of(ref))  # a known endpoint?
        except BackendError:
            return None
        return Summariser(
            persona,
            self.caller,
            self.tools.estimators,
            self.settings.num_ctx_for(ref.model),
            timeout_s=self.settings.cascade.rung_timeout_s,
        )

    async def compact_session(
        self,
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
            self.summariser(),
            summary_tokens=summary_tokens,
            keep_exchanges=keep_exchanges,
        )
        if result.ok and result.summarised_turns:
            self.session.history_summary = result.summary
            self.session.history = list(result.kept)
        return result

    async def compact_now(self) -> CompactionResult:
        """`/compact`: summarise all but the last exchange, whatever the history's size."""
        rung = self.first_rung()
        estimator = self.tools.estimators.for_model(rung.model)
        window = window_for(
            self.settings, rung, self.settings.num_ctx_for(rung.model), estimator.margin
        )
        history = list(self.session.history)
        result = await self.compact_session(
            history,
            self.session.history_summary,
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
