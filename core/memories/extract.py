"""The write path: after a turn goes idle, one schema-bound call proposes memories.

Never on the chat path: `MemoryWriter.note_turn` only queues the turn and (re)starts a
debounce timer; when the conversation has been quiet for `delay_s`, the queued turns go
to a small local persona in ONE call, with the existing memories that match them (ids
remapped to 1, 2, 3... so the model cannot name others). The model only proposes; the
guards here decide, because an audit of a well-known memory system found 97.8% junk:
restated system prompts, recalled memories re-extracted as new, invented profiles.

Guards: only facts about the user, the project or the task; nothing that restates the
system prompt or a memory that was shown to the model; no duplicates or near-duplicates
(of stored memories or of each other); at most `limits.per_turn` per turn; relative dates
made absolute; supersedes only of memories that were shown to it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage
from ingle.core.errors import IngleError
from ingle.core.memories.events import MemoriesExtracted
from ingle.core.memories.models import KINDS, ExtractionReport, MemoryRow
from ingle.memory import memories as rows
from ingle.memory.memory_search import search as search_rows

if TYPE_CHECKING:
    from ingle.core.memories.service import MemoryService

EXTRACTOR = "my-summarizer"  # a small local persona: qwen3:4b, think off
NEAR_DUPLICATE = 0.7  # word-set similarity above which two memories say the same
RESTATES = 0.8  # share of a proposal's words found in the system prompt or a recalled memory
MATCHES_SHOWN = 8  # existing memories shown to the extractor
TURN_CHARS = 6000  # of the queued turns' text sent (the newest part)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "memories": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "kind": {"type": "string", "enum": list(KINDS)},
                    "about": {"type": "string", "enum": ["user", "project", "task", "other"]},
                    "supersedes": {"type": "array", "items": {"type": "integer"}},
                },
                "required": ["text", "kind", "about"],
            },
        }
    },
    "required": ["memories"],
}

INSTRUCTIONS = """You decide what is worth remembering from a conversation between a user and an assistant. Today is {today}.
Keep only durable facts about the user (preferences, circumstances, how they work), their project or their current task that will help in later conversations.
Never keep: general knowledge, what the assistant was told to do, the assistant's own suggestions, guesses, or anything already in the known memories.
Write each memory as one short sentence that stands alone ("The user ...", "The project ..."), with absolute dates.
When a new fact replaces a known memory, give that memory's number in "supersedes".
Reply {{"memories": []}} when nothing is worth remembering."""


class TurnRecord(BaseModel):
    """One finished turn, as the write path sees it."""

    persona: str
    user: str
    answer: str = ""
    repo: str = ""
    turn_id: str = ""
    at: float  # when the turn finished (relative dates are resolved against it)
    system_prompt: str = ""
    recalled: list[str] = Field(default_factory=list)  # memory texts the turn was shown


# Words about the conversation itself: a proposal made of them and the system prompt's
# words is the system prompt restated.
ROLE_WORDS = frozenset({"assistant", "model", "ai", "chatbot", "always", "never", "must"})


def _stem(word: str) -> str:
    """Crude, but enough to compare short sentences: answers/answer, deploying/deploy."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(text: str) -> set[str]:
    return {_stem(w) for w in rows.content_words(text)}


def similarity(a: str, b: str) -> float:
    left, right = words(a), words(b)
    if not left or not right:
        return 1.0 if rows.normalise(a) == rows.normalise(b) else 0.0
    return len(left & right) / len(left | right)


def contained(text: str, source_words: set[str]) -> float:
    """The share of `text`'s words that `source_words` already has."""
    own = words(text)
    return len(own & source_words) / len(own) if own else 1.0


_RELATIVE: list[tuple[re.Pattern[str], int | None, str]] = [
    (re.compile(r"\b(this morning|this afternoon|this evening|tonight|today)\b", re.I), 0, "on {d}"),
    (re.compile(r"\byesterday\b", re.I), -1, "on {d}"),
    (re.compile(r"\btomorrow\b", re.I), 1, "on {d}"),
    (re.compile(r"\blast week\b", re.I), -7, "in the week of {d}"),
    (re.compile(r"\bnext week\b", re.I), 7, "in the week of {d}"),
    (re.compile(r"\b(\d{1,3}) days ago\b", re.I), None, "on {d}"),
    (re.compile(r"\bin (\d{1,3}) days\b", re.I), None, "on {d}"),
]


def absolute_dates(text: str, at: float) -> str:
    """"yesterday" -> "on 2026-12-02": a memory outlives the day it was written."""
    day = dt.datetime.fromtimestamp(at, dt.timezone.utc).date()
    for pattern, offset, template in _RELATIVE:
        def replace(match: re.Match[str], offset: int | None = offset, template: str = template) -> str:
            days = offset
            if days is None:
                days = int(match.group(1)) * (-1 if "ago" in match.group(0).lower() else 1)
            return template.format(d=(day + dt.timedelta(days=days)).isoformat())
        text = pattern.sub(replace, text)
    return text


def strip_known(text: str, known: Sequence[str]) -> str:
    """The turn text without the system prompt's lines and the recalled memories, so the
    extractor cannot copy them back as new."""
    for piece in known:
        piece = piece.strip()
        if len(piece) >= 12:
            text = re.sub(re.escape(piece), " ", text, flags=re.I)
    return text


def extraction_messages(turns: Sequence[TurnRecord], shown: Sequence[MemoryRow]) -> list[ChatMessage]:
    last = turns[-1]
    known = [line for t in turns for line in t.system_prompt.splitlines()]
    known += [m for t in turns for m in t.recalled]
    body = "\n\n".join(
        f"User: {strip_known(t.user, known).strip()}\nAssistant: {strip_known(t.answer, known).strip()}"
        for t in turns
    )[-TURN_CHARS:]
    listing = "\n".join(f"{i}. {m.text}" for i, m in enumerate(shown, start=1)) or "(none)"
    today = dt.datetime.fromtimestamp(last.at, dt.timezone.utc).date().isoformat()
    return [
        ChatMessage(role="system", content=INSTRUCTIONS.format(today=today)),
        ChatMessage(role="user", content=f"Known memories:\n{listing}\n\nConversation:\n{body}"),
    ]


async def extract(service: MemoryService, turns: Sequence[TurnRecord],
                  extractor: str = EXTRACTOR) -> ExtractionReport:
    """One call for the queued turns of one persona, then the guards, then the writes."""
    last = turns[-1]
    report = ExtractionReport(persona=last.persona)
    query = " ".join(f"{t.user} {t.answer}" for t in turns)
    shown = [h.memory for h in search_rows(service.store, last.persona, query, limit=MATCHES_SHOWN)]
    workbench = service.workbench
    try:
        persona = workbench.personas.get(extractor)
        result = await workbench.caller.call(
            persona, extraction_messages(turns, shown), task_kind="memory", json_schema=SCHEMA,
            think=False, temperature=0.1)
    except (BackendError, IngleError, LookupError) as exc:
        report.error = str(exc).splitlines()[0]
        return report
    proposals = (result.parsed_json or {}).get("memories", [])
    _apply(service, turns, shown, proposals, report)
    workbench.bus.publish(MemoriesExtracted(
        persona=last.persona, added=[m.id for m in report.added],
        superseded=report.superseded, dropped=len(report.dropped)))
    return report


def _apply(service: MemoryService, turns: Sequence[TurnRecord], shown: Sequence[MemoryRow],
           proposals: list[dict[str, Any]], report: ExtractionReport) -> None:
    last = turns[-1]
    system_words = set().union(*(words(t.system_prompt) for t in turns))
    system_words = system_words | ROLE_WORDS if system_words else system_words
    recalled = [m for t in turns for m in t.recalled]
    actor = "model:extract"
    kept: list[str] = []
    for proposal in proposals:
        text = absolute_dates(" ".join(str(proposal.get("text", "")).split()), last.at)
        why = _rejected(service, text, proposal, system_words, recalled, kept, shown,
                        last.persona)
        if why is None and len(kept) >= service.limits.per_turn:
            why = f"over the limit of {service.limits.per_turn} per turn"
        if why is not None:
            report.dropped.append((text, why))
            continue
        kept.append(text)
        replaced = [shown[n - 1] for n in proposal.get("supersedes", []) or []
                    if isinstance(n, int) and 1 <= n <= len(shown)]
        live = [m for m in replaced if service.get(m.id).status == "active"]
        if live:
            result = service.supersede(live[0].id, text, actor=actor, kind=proposal["kind"],
                                       source_turn=last.turn_id)
            report.superseded.append(live[0].id)
            for other in live[1:]:
                service.forget(other.id, actor=actor)
                report.superseded.append(other.id)
        else:
            repo = last.repo if proposal.get("about") == "project" else ""
            result = service.add(last.persona, text, kind=proposal["kind"], repo=repo,
                                 actor=actor, source_turn=last.turn_id, valid_from=last.at)
        report.added.append(result.memory)


def _rejected(service: MemoryService, text: str, proposal: dict[str, Any], system_words: set[str],
              recalled: list[str], kept: list[str], shown: Sequence[MemoryRow],
              persona: str) -> str | None:
    """Why a proposal is not kept, or None."""
    if proposal.get("about") not in ("user", "project", "task"):
        return "not about the user, the project or the task"
    if len(words(text)) < 2:
        return "too short to mean anything"
    if len(text) > service.limits.max_chars:
        return f"longer than {service.limits.max_chars} characters"
    if system_words and contained(text, system_words) >= RESTATES:
        return "restates the system prompt"
    for memory in recalled:
        if similarity(text, memory) >= NEAR_DUPLICATE or contained(text, words(memory)) >= RESTATES:
            return "a recalled memory, not a new one"
    for earlier in kept:
        if similarity(text, earlier) >= NEAR_DUPLICATE:
            return "the same as another proposal"
    superseding = {shown[n - 1].id for n in proposal.get("supersedes", []) or []
                   if isinstance(n, int) and 1 <= n <= len(shown)}
    for hit in search_rows(service.store, persona, text, limit=5):
        if hit.memory.id not in superseding and similarity(text, hit.memory.text) >= NEAR_DUPLICATE:
            return f"a duplicate of #{hit.memory.id}"
    return None


class MemoryWriter:
    """Queues finished turns and extracts from them once the conversation is quiet."""

    def __init__(self, service: MemoryService, *, delay_s: float | None = None,
                 extractor: str | None = None) -> None:
        """The quiet period and the extracting persona default to `[memories]` debounce_s
        and extractor."""
        self.service = service
        self.delay_s = service.settings.debounce_s if delay_s is None else delay_s
        self.extractor = extractor or service.settings.extractor
        self.pending: list[TurnRecord] = []
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[list[ExtractionReport]] | None = None

    def note_turn(self, turn: TurnRecord) -> None:
        """Queue a turn and restart the quiet-period timer. Returns at once. Nothing is
        queued when memories are off (`[memories] enabled = false`)."""
        if not self.service.enabled:
            return
        self.pending.append(turn)
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.delay_s, self._start)

    def _start(self) -> None:
        self._timer = None
        self._task = asyncio.get_running_loop().create_task(self.flush())

    async def flush(self) -> list[ExtractionReport]:
        """Extract from everything queued now (one call per persona)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        turns, self.pending = self.pending, []
        by_persona: dict[str, list[TurnRecord]] = {}
        for turn in turns:
            by_persona.setdefault(turn.persona, []).append(turn)
        return [await extract(self.service, group, self.extractor) for group in by_persona.values()]

    async def aclose(self) -> None:
        """Stop the timer; queued turns are dropped (extraction is best effort)."""
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
