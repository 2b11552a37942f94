"""Keeping a persona's memory small: merge near-duplicates, archive what is never used.

`consolidate_step` is one unit of work, safe to run at any time and again: the job runner
calls it when the machine is idle, `ingle memory consolidate` runs it now. Groups of
near-duplicates are found in code (BM25 neighbours whose word sets overlap); ONE
schema-bound call writes a merged text per group; the originals are superseded by the
merged memory (so `restore` undoes it). A merged text that brings in words none of its
originals had is refused: merging must not invent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.errors import IngleError
from ingle.core.memories.events import ConsolidationDone
from ingle.core.memories.extract import contained, similarity, words
from ingle.core.memories.models import ConsolidationReport, MemoryRow
from ingle.memory import memories as rows
from ingle.memory.memory_search import search as search_rows

if TYPE_CHECKING:
    from ingle.core.memories.service import MemoryService

GROUP_SIMILARITY = 0.5  # word-set overlap that makes two memories one group
MAX_GROUPS = 12  # per call: a small model merges a dozen groups reliably
NEIGHBOURS = 6

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "merged": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"group": {"type": "integer"}, "text": {"type": "string"}},
                "required": ["group", "text"],
            },
        }
    },
    "required": ["merged"],
}

INSTRUCTIONS = """Each group below holds memories that say nearly the same thing. For each group, write ONE short sentence that keeps every fact of the group and adds nothing. When two memories of a group disagree, keep the newer one (they are listed oldest first)."""


def near_duplicate_groups(service: MemoryService, persona: str,
                          limit: int = MAX_GROUPS) -> list[list[MemoryRow]]:
    """Groups of two or more active, unpinned memories that overlap, oldest first."""
    memories = [m for m in service.list(persona) if not m.pinned]
    by_id = {m.id: m for m in memories}
    parent = {m.id: m.id for m in memories}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for memory in memories:
        for hit in search_rows(service.store, persona, memory.text, limit=NEIGHBOURS):
            other = hit.memory.id
            if other != memory.id and other in by_id and \
                    similarity(memory.text, hit.memory.text) >= GROUP_SIMILARITY:
                parent[root(other)] = root(memory.id)
    groups: dict[int, list[MemoryRow]] = {}
    for memory in memories:
        groups.setdefault(root(memory.id), []).append(memory)
    found = [sorted(g, key=lambda m: m.id) for g in groups.values() if len(g) > 1]
    return sorted(found, key=lambda g: g[0].id)[:limit]


async def consolidate_step(service: MemoryService, persona: str, *,
                           archive_days: int | None = None,
                           extractor: str | None = None) -> ConsolidationReport:
    """One pass over `persona`'s memories; `extractor` defaults to `[memories] extractor`."""
    extractor = extractor or service.settings.extractor
    report = ConsolidationReport(persona=persona)
    groups = near_duplicate_groups(service, persona)
    report.groups = len(groups)
    if groups:
        try:
            merged = await _merge_call(service, groups, extractor)
        except (BackendError, IngleError, LookupError) as exc:
            report.error = str(exc).splitlines()[0]
            merged = {}
        for number, text in merged.items():
            _apply(service, groups[number - 1], text, report)
    report.archived = service.archive_unused(persona, archive_days)
    service.workbench.bus.publish(ConsolidationDone(
        persona=persona, merged=len(report.merged), superseded=len(report.superseded),
        archived=len(report.archived)))
    return report


async def _merge_call(service: MemoryService, groups: list[list[MemoryRow]],
                      extractor: str) -> dict[int, str]:
    listing = "\n\n".join(
        f"Group {n}:\n" + "\n".join(f"- {m.text}" for m in group)
        for n, group in enumerate(groups, start=1))
    workbench = service.workbench
    result = await workbench.caller.call(
        workbench.personas.get(extractor),
        [ChatMessage(role="system", content=INSTRUCTIONS), ChatMessage(role="user", content=listing)],
        task_kind="memory", json_schema=SCHEMA, think=False, temperature=0.1)
    merged: dict[int, str] = {}
    for item in (result.parsed_json or {}).get("merged", []):
        number, text = item.get("group"), " ".join(str(item.get("text", "")).split())
        if isinstance(number, int) and 1 <= number <= len(groups) and text:
            merged.setdefault(number, text)
    return merged


def _apply(service: MemoryService, group: list[MemoryRow], text: str,
           report: ConsolidationReport) -> None:
    group_words = set().union(*(words(m.text) for m in group))
    if len(text) > service.limits.max_chars or contained(text, group_words) < 0.9:
        return  # too long, or it invents: keep the originals
    live = [m for m in group if service.get(m.id).status == "active"]
    if len(live) < 2:
        return
    actor = "model:consolidate"
    same = next((m for m in live if rows.norm_hash(m.text) == rows.norm_hash(text)), None)
    if same is None:
        keep = service.add(live[0].persona, text, kind=live[-1].kind, repo=live[-1].repo,
                           actor=actor).memory
    else:
        keep = same
    for memory in live:
        if memory.id != keep.id:
            rows.supersede(service.store, memory.id, keep.id, actor)
            report.superseded.append(memory.id)
    report.merged.append(service.get(keep.id))
