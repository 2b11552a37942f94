"""MemoryService: a persona's memories for every front end and for the agent's turns.

Every change goes through here so that the caps hold, the history is written and the bus
hears about it. Nothing is deleted: forgetting archives, an edit or a model's change of
mind supersedes, and `restore` brings any of them back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ingle.core.errors import NotFound, UsageError
from ingle.core.memories.corrections import CorrectionsService
from ingle.core.memories.events import MemoryChanged
from ingle.core.memories.models import (
    KINDS,
    AddResult,
    CoreBlock,
    HistoryRow,
    MemoryLimits,
    MemoryRow,
    ScoredMemory,
)
from ingle.core.context.prompt_builder import ExtraPart
from ingle.core.memories.retrieve import Embedder, block_lines, embedder_for, render_block, retrieve
from ingle.memory import memories as rows
from ingle.memory.memory_search import search as search_rows
from ingle.memory.store import now
from ingle.personas.prompt import PromptMessage

MEMORY_TITLE = "Memory"

if TYPE_CHECKING:
    from ingle.core.workbench import Workbench
    from ingle.personas.resolved import ResolvedPersona


class MemoryService:
    def __init__(self, workbench: Workbench, limits: MemoryLimits | None = None,
                 embedder: Embedder | None = None) -> None:
        """Limits, the embedder and whether turns use memories come from `[memories]` in
        the settings unless given."""
        self.workbench = workbench
        self.store = workbench.store
        self.settings = workbench.settings.memories
        self.enabled = self.settings.enabled
        self.limits = limits or MemoryLimits(
            max_count=self.settings.max_count, core_chars=self.settings.core_chars,
            inject=self.settings.inject, per_turn=self.settings.per_turn,
            archive_after_days=self.settings.archive_after_days)
        self._embedder = embedder
        self._embedder_built = embedder is not None
        self.corrections = CorrectionsService(workbench.store)

    @property
    def embedder(self) -> Embedder | None:
        """The configured embedder, built on first use (a local model loads slowly)."""
        if not self._embedder_built:
            self._embedder = embedder_for(self.settings.embedder_spec(), self.workbench.pool.backend)
            self._embedder_built = True
        return self._embedder

    # -- reading ----------------------------------------------------------------------

    def get(self, memory_id: int) -> MemoryRow:
        try:
            return rows.get_memory(self.store, memory_id)
        except KeyError:
            raise NotFound(f"no memory #{memory_id}",
                           "`ingle memory ls --all` lists every memory with its id") from None

    def list(self, persona: str, *, include_all: bool = False, repo: str | None = None,
             limit: int | None = None) -> list[MemoryRow]:
        statuses = ("active", "superseded", "archived") if include_all else ("active",)
        return rows.list_memories(self.store, persona, statuses=statuses, repo=repo, limit=limit)

    def search(self, persona: str, query: str, limit: int = 10,
               include_all: bool = False) -> list[ScoredMemory]:
        """BM25 search, for people (no embedder, no usage counted)."""
        if not rows.fts_query(query):
            raise UsageError(f"nothing to search for in {query!r}",
                             "give words that a memory would contain")
        statuses = ("active", "superseded", "archived") if include_all else ("active",)
        hits = search_rows(self.store, persona, query, limit=limit, statuses=statuses)
        top = max((h.score for h in hits), default=1.0) or 1.0
        return [ScoredMemory(memory=h.memory, score=h.score, bm25=h.score / top) for h in hits]

    def history(self, persona: str | None = None, memory_id: int | None = None,
                limit: int = 200) -> list[HistoryRow]:
        if memory_id is not None:
            self.get(memory_id)
        return rows.history(self.store, memory_id=memory_id, persona=persona, limit=limit)

    def core_block(self, persona: str) -> CoreBlock:
        pinned = rows.list_memories(self.store, persona, pinned=True)
        return CoreBlock(persona=persona, memories=pinned, budget_chars=self.limits.core_chars,
                         used_chars=sum(len(m.text) for m in pinned))

    # -- writing ----------------------------------------------------------------------

    def add(self, persona: str, text: str, *, kind: str = "fact", repo: str = "",
            pinned: bool = False, actor: str = "user", source_turn: str = "",
            valid_from: float | None = None) -> AddResult:
        """Remember `text`; the same memory twice is kept once. Past the count cap, the
        least useful memories (never shown, oldest) are archived to make room."""
        text = " ".join(text.split())
        if not text:
            raise UsageError("a memory cannot be empty", "give the text to remember")
        if len(text) > self.limits.max_chars:
            raise UsageError(
                f"a memory is at most {self.limits.max_chars} characters (this one is {len(text)})",
                "split it into smaller facts, one per memory")
        if kind not in KINDS:
            raise UsageError(f"unknown memory kind {kind!r}", f"use one of {', '.join(KINDS)}")
        existing = rows.find_by_hash(self.store, persona, text)
        if existing is not None:
            return AddResult(memory=existing, created=False)
        if pinned:
            self._check_core_room(persona, len(text))
        archived = self._make_room(persona)
        memory = rows.insert_memory(self.store, rows.NewMemory(
            persona=persona, text=text, kind=kind, repo=repo, pinned=pinned,  # type: ignore[arg-type]
            source_turn=source_turn, valid_from=valid_from), actor=actor)
        self._publish(memory, "add", actor)
        return AddResult(memory=memory, created=True, archived=archived)

    def supersede(self, old_id: int, text: str, *, actor: str = "user", kind: str | None = None,
                  source_turn: str = "") -> AddResult:
        """Replace a memory by a new one; the old one stays, superseded, for undo."""
        old = self.get(old_id)
        result = self.add(old.persona, text, kind=kind or old.kind, repo=old.repo, actor=actor,
                          source_turn=source_turn, pinned=False)
        if result.memory.id != old_id:
            rows.supersede(self.store, old_id, result.memory.id, actor)
            if old.pinned:  # the new wording takes the old one's place in the core block
                rows.update_memory(self.store, result.memory.id, "pin", {"pinned": True}, actor)
            self._publish(old, "supersede", actor)
        return result.model_copy(update={"memory": self.get(result.memory.id)})

    def edit(self, memory_id: int, text: str, actor: str = "user") -> AddResult:
        return self.supersede(memory_id, text, actor=actor)

    def forget(self, memory_id: int, actor: str = "user") -> MemoryRow:
        """Archive a memory (never delete): `restore` undoes it."""
        memory = self.get(memory_id)
        if memory.status == "archived":
            raise UsageError(f"memory #{memory_id} is already forgotten",
                             f"`ingle memory restore {memory_id}` brings it back")
        return self._change(memory, "forget", {"status": "archived"}, actor)

    def restore(self, memory_id: int, actor: str = "user") -> MemoryRow:
        """Make a forgotten or superseded memory active again."""
        memory = self.get(memory_id)
        if memory.status == "active":
            raise UsageError(f"memory #{memory_id} is already active", "nothing to restore")
        duplicate = rows.find_by_hash(self.store, memory.persona, memory.text)
        if duplicate is not None:
            raise UsageError(f"memory #{memory_id} says the same as active memory #{duplicate.id}",
                             f"forget #{duplicate.id} first if you want this one back")
        return self._change(memory, "restore", {"status": "active", "superseded_by": None}, actor)

    def pin(self, memory_id: int, pinned: bool = True, actor: str = "user") -> MemoryRow:
        memory = self.get(memory_id)
        if pinned and not memory.pinned:
            self._check_core_room(memory.persona, len(memory.text))
        return self._change(memory, "pin" if pinned else "unpin", {"pinned": pinned}, actor)

    def archive_unused(self, persona: str, days: int | None = None,
                       at: float | None = None) -> list[int]:
        """Archive memories never shown to a model in `days` days (default: the limit)."""
        cutoff = (at if at is not None else now()) - 86400 * (days or self.limits.archive_after_days)
        archived = []
        for memory in rows.never_used_before(self.store, persona, cutoff):
            self._change(memory, "archive", {"status": "archived"}, "system:unused")
            archived.append(memory.id)
        return archived

    def personas(self) -> list[str]:
        return rows.personas_with_memories(self.store)

    # -- the read path ----------------------------------------------------------------

    async def relevant(self, persona: str, query: str, *, k: int | None = None,
                       repo: str | None = None) -> list[ScoredMemory]:
        return await retrieve(self.store, persona, query, k=self.limits.inject if k is None else k,
                              repo=repo, embedder=self.embedder, exclude_pinned=True,
                              weight=self.settings.embedding_weight)

    async def context_block(self, persona: str, query: str, max_tokens: int,
                            estimate: Callable[[str], int], *, repo: str | None = None) -> str:
        """The block to send with a turn (core memory, then the memories relevant to
        `query`), within `max_tokens`; the memories shown have their use counted."""
        if max_tokens <= 0 or not self.enabled:
            return ""
        found = await self.relevant(persona, query, repo=repo) if query.strip() else []
        text, ids = render_block(self.core_block(persona), [s.memory for s in found],
                                 max_tokens, estimate)
        rows.mark_used(self.store, ids)
        return text

    async def context_part(self, persona: str, query: str, *, repo: str | None = None,
                           max_share: float = 0.1) -> ExtraPart | None:
        """The memories for one agent turn as a part the context planner fits to the
        window (it drops relevant memories from the end first). Usage is counted for
        what is handed over."""
        if not self.enabled:
            return None
        found = await self.relevant(persona, query, repo=repo) if query.strip() else []
        core = self.core_block(persona)
        if not core.memories and not found:
            return None
        intro, items = block_lines(core, [s.memory for s in found])
        rows.mark_used(self.store, [m.id for m in core.memories] + [s.memory.id for s in found])
        return ExtraPart(name="memories", title=MEMORY_TITLE, intro="\n".join(intro),
                         items=items, max_share=max_share)

    async def persona_messages(self, persona: ResolvedPersona, prompt: str, num_ctx: int, *,
                               repo: str | None = None, share: float = 0.1) -> list[PromptMessage]:
        """The persona's messages for `prompt` (outside a coding turn, e.g. `ingle ask`), its
        memories appended to the system prompt within `share` of the window."""
        messages = persona.chat_messages(prompt)
        block = await self.context_block(persona.name, prompt, int(num_ctx * share),
                                         lambda text: (len(text) + 3) // 4, repo=repo)
        if not block or not messages or messages[0].role != "system":
            return messages
        system = PromptMessage(role="system",
                               content=f"{messages[0].content.rstrip()}\n\n# {MEMORY_TITLE}\n\n{block}\n")
        return [system, *messages[1:]]

    def correction_examples(self, text: str, k: int = 3) -> list[tuple[str, str]]:
        """The nearest chat corrections as (input, corrected answer) few-shot examples."""
        return self.corrections.few_shot("chat", text, k) if self.enabled else []

    # -- export -----------------------------------------------------------------------

    def export_markdown(self, persona: str) -> str:
        """The persona's active memories as a CLAUDE.md-style file, grouped by kind."""
        memories = self.list(persona)
        lines = [f"# Memory of {persona}", "",
                 "Facts, preferences and procedures Ingle remembered for this persona.", ""]
        core = [m for m in memories if m.pinned]
        if core:
            lines += ["## Core", "", *[f"- {m.text}" for m in core], ""]
        titles = {"fact": "Facts", "preference": "Preferences", "procedure": "Procedures",
                  "correction": "Corrections", "summary": "Summaries"}
        for kind in KINDS:
            group = [m for m in memories if m.kind == kind and not m.pinned]
            if group:
                lines += [f"## {titles[kind]}", "", *[f"- {m.text}" for m in group], ""]
        return "\n".join(lines).rstrip() + "\n"

    # -- helpers ----------------------------------------------------------------------

    def _change(self, memory: MemoryRow, op: str, changes: dict[str, object], actor: str) -> MemoryRow:
        updated = rows.update_memory(self.store, memory.id, op, changes, actor)
        self._publish(updated, op, actor)
        return updated

    def _check_core_room(self, persona: str, length: int) -> None:
        block = self.core_block(persona)
        if block.used_chars + length > block.budget_chars:
            raise UsageError(
                f"the core block of {persona} would hold {block.used_chars + length} characters, "
                f"over its budget of {block.budget_chars}",
                "unpin a memory first (`ingle memory unpin ID`), or shorten this one")

    def _make_room(self, persona: str) -> list[int]:
        over = rows.count_active(self.store, persona) - self.limits.max_count + 1
        if over <= 0:
            return []
        victims = self.store.db.execute(
            f"SELECT id FROM {rows.TABLE} WHERE persona = ? AND status = 'active' AND pinned = 0 "
            "ORDER BY use_count, COALESCE(last_used_at, created_at), id LIMIT ?", [persona, over],
        ).fetchall()
        archived = []
        for (memory_id,) in victims:
            self._change(rows.get_memory(self.store, memory_id), "archive",
                         {"status": "archived"}, "system:cap")
            archived.append(memory_id)
        return archived

    def _publish(self, memory: MemoryRow, op: str, actor: str) -> None:
        self.workbench.bus.publish(MemoryChanged(persona=memory.persona, memory_id=memory.id,
                                                 op=op, actor=actor))

    def add_many(self, persona: str, texts: Sequence[str], *, kind: str = "fact",
                 actor: str = "user") -> list[AddResult]:
        return [self.add(persona, t, kind=kind, actor=actor) for t in texts if t.strip()]
