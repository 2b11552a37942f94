"""The coding session the front ends drive: one repository, one conversation, its models.

Batch mode and the TUI hold an Engine; it is built from a Workbench (settings, store,
personas, model pool, persona caller, gates) plus a repository, keeps the long-lived
helpers as typed attributes built on first use (the repo map, the VRAM cache, the
context budget), and runs turns over them. The parts it hands to a turn (gate and test
checks, the repo map, the commit-message writer, the classifier) take only what they
use; none of them imports this module.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ingle.core.agent.approvals import Approver
from ingle.core.agent.best_of import judge_with
from ingle.core.agent.chat_files import add_chat_files, drop_chat_files
from ingle.core.agent.chat_session import ChatSession
from ingle.core.agent.errors import EngineError
from ingle.core.agent.commit_messages import commit_messager
from ingle.core.agent.context_budget import SessionBudget
from ingle.core.agent.events import AnswerText, AttemptStarted, FilesRequested, TurnEvent, TurnFinished
from ingle.core.agent.route_planning import RouteInputs, plan_route
from ingle.core.agent.turn_ledger import record_turn_finished
from ingle.core.agent.gating import GateBaselines, GateSelection, gate_check_for
from ingle.core.agent.test_gate import TestBaselines, run_repository_tests, test_check_for
from ingle.core.agent.turn import run_turn
from ingle.core.agent.turn_types import BestOf, TurnDeps, TurnOptions
from ingle.core.backends.base import ModelBackend
from ingle.core.backends.inventory import EndpointInventory
from ingle.core.backends.types import ChatMessage, ThinkSetting
from ingle.core.config.ladder import Rung
from ingle.core.config.settings import Settings
from ingle.core.context.breakdown import ContextBreakdown
from ingle.core.context.compaction import CompactionResult
from ingle.core.context.fitting import ContextTools
from ingle.core.memories.extract import MemoryWriter, TurnRecord
from ingle.core.memories.retrieve import recalled_texts
from ingle.core.memories.service import MemoryService
from ingle.core.repomap.service import LazyRepoMap
from ingle.core.routing.router import (
    Route,
    claude_access,
    escalation_refusal,
    task_kind,
)
from ingle.core.routing.vram_probe import VramCache
from ingle.core.test_runs.models import TestRunResult
from ingle.core.vcs import CommitInfo, IngleRepo, UndoResult, open_repo
from ingle.core.workbench import Workbench
from ingle.memory.call_log import CallRecord
from ingle.memory.corrections import CorrectionRow
from ingle.core.lab.versions import resolve_persona
from ingle.personas.languages import choose_default_persona, repository_files
from ingle.personas.registry import VERSION_SEPARATOR, UnknownPersona
from ingle.personas.resolved import ResolvedPersona

__all__ = ["Engine", "EngineError", "GateSelection"]


class Engine:
    def __init__(
        self,
        workbench: Workbench,
        root: Path,
        repo: IngleRepo | None,
        session: ChatSession,
    ) -> None:
        self.workbench = workbench
        self.loaded = workbench.loaded
        self.store = workbench.store
        self.root = root
        self.repo = repo
        self.registry = workbench.personas
        self.repo_map = LazyRepoMap(root, workbench.store)  # the map is built on first use
        self.vram = VramCache()
        self.budget = SessionBudget(
            workbench.settings, root, session, workbench.personas, workbench.caller,
            workbench.store, self.repo_map, self.first_model,
        )
        self.context: ContextTools = self.budget.tools  # token estimates, compaction
        self.session = session
        self.memories = MemoryService(workbench)
        # Memories are written after the conversation goes quiet, never on the chat path.
        self.memory_writer = MemoryWriter(self.memories)
        self._languages: dict[str, int] | None = None  # the repository's, counted on first use
        # Gate and test results on original files, so only what a change introduces blocks.
        self.gate_baselines = GateBaselines()
        self.test_baselines = TestBaselines()

    # -- opening ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        repo: Path | None,
        flags: Mapping[str, Any] | None = None,
        *,
        persona: str | None = None,
    ) -> Engine:
        """Load config, state, git and personas for `repo` (default: the current directory).

        Raises ConfigError (bad config) or EngineError (unknown persona)."""
        root = (repo or Path.cwd()).resolve()
        git_repo = open_repo(root)
        if git_repo is not None:
            root = git_repo.root
        workbench = Workbench.open(root, flags=flags)
        registry = workbench.personas
        loaded = workbench.loaded
        if persona and VERSION_SEPARATOR in persona:  # a pinned version: `my-coder@2`
            try:
                resolve_persona(registry, workbench.store, persona)
            except UnknownPersona as exc:
                workbench.store.close()
                raise EngineError(str(exc)) from exc
            return cls(workbench, root, git_repo, ChatSession(persona=persona))
        choice = choose_default_persona(
            repository_files(root), registry.names(), configured=loaded.settings.persona,
            session=persona,
        )
        if persona and choice.name != persona:
            workbench.store.close()
            raise EngineError(
                f"no persona named '{persona}'; known: {', '.join(registry.names())} "
                "(`ingle persona list` shows them)"
            )
        session = ChatSession(persona=choice.name)
        if git_repo is not None:  # a turn interrupted between write and commit: undo it now
            from ingle.core.agent.landing_journal import recover

            loaded.notices.extend(recover(git_repo))
        return cls(workbench, root, git_repo, session)

    # -- what the front ends read -----------------------------------------------------

    @property
    def session(self) -> ChatSession:
        return self._session

    @session.setter
    def session(self, session: ChatSession) -> None:
        """A restored conversation replaces the session; its context budget follows it."""
        self._session = session
        self.budget.session = session

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def repo_root(self) -> Path:
        return self.root

    @property
    def branch(self) -> str | None:
        return self.repo.branch if self.repo is not None else None

    @property
    def persona(self) -> ResolvedPersona:
        return self.registry.get(self.session.persona)

    def personas(self) -> list[ResolvedPersona]:
        return [self.registry.get(name) for name in self.registry.names()]

    def repo_files(self) -> list[str]:
        return repository_files(self.root)

    def first_model(self) -> str:
        """The model the next turn starts with (for the status bar and the repo map)."""
        from ingle.personas.model import ModelRef

        if self.session.model:
            return ModelRef.parse(self.session.model).model
        kind = task_kind(self.persona, self.session.kind)
        specs = self.settings.cascade.ladders.get(kind) or []
        first = next((s.model for s in specs if s.model != "claude"), "persona")
        if first.startswith("role:") and self.settings.roles.get(first[5:]):
            return ModelRef.parse(self.settings.roles[first[5:]]).model
        return self.persona.model_ref.model

    def escalation_refusal(self) -> str:
        """Why a turn sent straight to Claude (`/escalate`) cannot run now, and what to do;
        "" when it can."""
        access = claude_access(self.settings, self.persona, self.claude_spent_today())
        return escalation_refusal(self.settings, access)

    def examples_for(self, kind: str) -> list[tuple[str, str]]:
        """Few-shot examples in this repository's languages for a task of `kind`."""
        from ingle.personas.examples import choose_examples
        from ingle.personas.languages import count_languages

        if self._languages is None:
            self._languages = count_languages(self.repo_files())
        chosen = choose_examples(
            self.persona.examples, self.registry.library.for_kind(kind), self._languages
        )
        return [(e.input, e.output) for e in chosen]

    async def model_inventory(self) -> EndpointInventory:
        """The first model's endpoint: whether it answers and what it has installed (the
        app's first screen and `/model`). A dead server is `unreachable`, not an exception."""
        from ingle.core.backends.inventory import inventory
        from ingle.core.backends.registry import default_endpoint
        from ingle.personas.model import ModelRef

        ref = ModelRef.parse(self.session.model) if self.session.model else self.persona.model_ref
        return await inventory(self.settings, ref.endpoint or default_endpoint(self.settings))

    def claude_spent_today(self) -> float:
        from ingle.memory.ledger import claude_spend_since, local_midnight

        return claude_spend_since(self.store, local_midnight())

    async def plan_route(
        self, prompt_tokens: int = 0, escalate: str | None = None, instruction: str = ""
    ) -> Route:
        """The ladder for the next turn: task kind, context size, VRAM and Claude's access."""
        first = self.first_model()
        return await plan_route(
            RouteInputs(
                settings=self.settings, persona=self.persona, session=self.session,
                caller=self.workbench.caller, registry=self.registry, first_model=first,
                backend=self.backend_for(Rung(model=first, endpoint=self.persona.model_ref.endpoint)),
                vram=self.vram, claude_spent_today=self.claude_spent_today(),
            ),
            prompt_tokens, escalate, instruction,
        )

    # -- the session ------------------------------------------------------------------

    def add_files(self, paths: Sequence[str]) -> list[str]:
        """Add repository files to the chat; returns those added. A path outside the
        repository or not a file raises EngineError naming it."""
        return add_chat_files(self.session, self.root, paths)

    def drop_files(self, paths: Sequence[str]) -> list[str]:
        return drop_chat_files(self.session, self.root, paths)

    def set_persona(self, name: str) -> ResolvedPersona:
        persona = self.registry.get(name)  # UnknownPersona names the known ones
        self.session.persona = name
        return persona

    def set_model(self, model: str | None) -> None:
        self.session.model = model or None

    def set_think(self, think: ThinkSetting | None) -> None:
        self.session.think = think

    def recent_calls(self, limit: int = 100) -> list[CallRecord]:
        """The exact requests and replies of the latest model calls (the app's log view)."""
        from ingle.memory.call_log import recent_calls

        return recent_calls(self.store, limit)

    def init_git(self) -> CommitInfo | None:
        """Create a git repository at the root and commit what is there (not ignored) as the
        user's first commit, so the first turn's change has a commit to undo to (the app's
        /init). None when the directory is empty."""
        from ingle.core.vcs import init_repo

        if self.repo is None:  # else a repository with no commit yet: make its first
            self.repo = init_repo(self.root)
        files = [p for p in self.repo.run("ls-files", "--others", "--exclude-standard", "-z").split("\0") if p]
        return self.repo.commit_user_changes(files, "Initial commit") if files else None

    def clear(self) -> None:
        self.session.history.clear()
        self.session.history_summary = ""

    # -- the context budget -----------------------------------------------------------

    def token_breakdown(self) -> ContextBreakdown:
        """What the next turn would send, per section, against its first model's num_ctx
        (`/tokens`). It may build the repo map: call it from a worker thread."""
        return self.budget.token_breakdown()

    async def compact(self) -> CompactionResult:
        """Summarise the session's older turns now (`/compact`); the last exchange stays."""
        return await self.budget.compact_now()

    # -- turns ------------------------------------------------------------------------

    def backend_for(self, rung: Rung) -> ModelBackend:
        return self.workbench.pool.backend(rung.endpoint)  # one client per endpoint

    async def run_turn(
        self,
        instruction: str,
        approver: Approver,
        *,
        mode: str | None = None,
        commit: bool = True,
        gates: GateSelection = "auto",
        run_suggested_shell: bool = True,
        escalate: str | None = None,
        tests: bool | None = None,
        best_of: int | None = None,
    ) -> AsyncIterator[TurnEvent]:
        """Run one turn over the session; the session's files and history follow it.
        `best_of` (else the session's /best) draws that many first replies, one kept."""
        planned = await self.plan_route(
            self.budget.prompt_estimate(instruction), escalate=escalate, instruction=instruction
        )
        dirs = self.workbench.dirs
        memory = await self.memories.context_part(self.session.persona, instruction,
                                                  repo=str(self.root))
        deps = TurnDeps(
            settings=self.settings,
            store=self.store,
            root=self.root,
            repo=self.repo,
            persona=self.persona,
            backend_for=self.backend_for,
            approver=approver,
            rungs=planned.rungs,
            gates=(None if gates == "off"
                   else gate_check_for(self.workbench.gates, self.root, gates, self.gate_baselines)),
            repo_map=self.repo_map,
            commit_message=(commit_messager(self.workbench.caller, self.registry,
                                            self.settings.git.message_timeout_s)
                            if self.settings.git.generate_messages else None),
            required_gates=tuple(self.settings.gates.required),
            tests=(test_check_for(self.settings, self.root, dirs.tools,
                                  baselines=self.test_baselines)
                   if self.tests_enabled(tests) else None),
            rung_timeout_s=self.settings.cascade.rung_timeout_s,
            claude_withheld=planned.claude_withheld,
            route_notes=planned.notes,
            route_stop=planned.stop,
            # the user's corrections of similar answers go first as examples (`/correct`)
            examples=self.examples_for(planned.kind) + self.memories.correction_examples(instruction),
            context=self.context,
            context_extras=[memory] if memory else [],
            best_of=self._best_of(best_of),
        )
        kind = planned.kind
        options = TurnOptions(
            mode="ask" if (mode or self.session.mode) == "ask" else "code",
            task_kind=kind,
            question=planned.question,
            commit=commit,
            run_suggested_shell=run_suggested_shell,
        )
        answer: list[str] = []
        attempts: list[AttemptStarted] = []
        # The turn is the user's interactive request: the idle job runner waits it out.
        async for event in self.workbench.activity.tracked(run_turn(
            deps, instruction, list(self.session.chat_files), list(self.session.history), options,
            history_summary=self.session.history_summary,
        )):
            if isinstance(event, AnswerText):
                answer.append(event.text)
            elif isinstance(event, AttemptStarted):
                attempts.append(event)
                answer.clear()  # the history keeps the reply that ended the turn
            elif isinstance(event, FilesRequested) and event.added:
                self.add_files([p for p in event.paths if (self.root / p).is_file()])
            elif isinstance(event, TurnFinished):
                # The next turn starts on the persona's model again, whatever rung this ended on.
                event = event.model_copy(update={"next_model": self.first_model()})
                record_turn_finished(self.store, self.root, self.session.persona, kind, event, attempts)
                if event.outcome == "context_overflow":  # nothing was sent: nothing to remember
                    yield event
                    continue
                self.session.history += [
                    ChatMessage(role="user", content=instruction),
                    ChatMessage(role="assistant", content="".join(answer) or event.error),
                ]
                self.memory_writer.note_turn(TurnRecord(
                    persona=self.session.persona, user=instruction, answer="".join(answer),
                    turn_id=event.turn_id, at=time.time(), system_prompt=self.persona.system_prompt(),
                    recalled=recalled_texts(memory), repo=str(self.root)))
            yield event

    def _best_of(self, n: int | None) -> BestOf | None:
        n = n if n is not None else self.session.best_of
        if n <= 1:
            return None
        return BestOf(n=n, base_temperature=self.persona.sampling().temperature,
                      judge=judge_with(self.workbench.caller, self.registry))

    def tests_enabled(self, override: bool | None = None) -> bool:
        """The test gate: a turn's flag, else the session's /test toggle, else config."""
        for choice in (override, self.session.tests):
            if choice is not None:
                return choice
        return self.settings.tests.enabled

    async def run_tests(
        self, full: bool = True, on_output: Callable[[str], None] | None = None
    ) -> TestRunResult | None:
        """`/test` in the chat: the repository's tests as it is now; their output goes to
        `on_output` as it comes (the app's live progress)."""
        return await run_repository_tests(self.settings, self.root, self.workbench.dirs.tools,
                                          full=full, on_output=on_output)

    # -- git ---------------------------------------------------------------------------

    def undo(self) -> UndoResult:
        if self.repo is None:
            return UndoResult.refused(f"{self.root} is not a git repository")
        diff = self.last_diff()
        result = self.repo.undo_last()
        if result.done and result.undone is not None:  # an unwanted change: a correction
            asked = [m.content for m in self.session.history if m.role == "user"]
            self.memories.corrections.record_undone_commit(
                persona=self.session.persona, instruction=asked[-1] if asked else "",
                subject=result.undone.subject, sha=result.undone.short_sha, diff=diff)
        return result

    def correct_last_answer(self, text: str) -> CorrectionRow:
        """`/correct TEXT`: the last answer should have been TEXT. Recorded as a correction
        (shown as an example for similar requests) and kept in the conversation instead."""
        history = self.session.history
        if len(history) < 2 or history[-1].role != "assistant" or not text.strip():
            raise EngineError("nothing to correct yet: /correct TEXT rewrites the last answer")
        row = self.memories.corrections.record_edited_answer(
            persona=self.session.persona, question=history[-2].content,
            answer=history[-1].content, corrected=text.strip())
        history[-1] = ChatMessage(role="assistant", content=text.strip())
        return row

    def last_diff(self) -> str:
        return self.repo.last_ingle_diff() if self.repo is not None else ""

    async def aclose(self) -> None:
        await self.memory_writer.aclose()
        if self.repo is not None:
            self.repo.close()
        await self.workbench.aclose()
