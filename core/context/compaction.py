"""History compaction: older turns folded into a running summary by the summariser persona.

When history passes its share of the window (or on demand, `/compact`), the turns before
the last few are summarised by my-summarizer into a running summary that replaces them;
the summary is sent before the kept turns, which stay verbatim. Turns that do not fit the
summariser's own window at once are folded in chunks, each into the summary so far. A
summariser that fails (server down, model missing, timeout, empty reply) never fails the
turn: the oldest turns are left out of that prompt instead, and the history is kept for a
later try.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.errors import BackendError
from ingle.core.backends.types import ChatMessage, TextDelta, Usage
from ingle.core.context.estimator import TokenEstimators
from ingle.core.context.plan_types import ContextWindow, answer_reserve_for
from ingle.core.context.planner import split_exchanges
from ingle.core.errors import IngleError
from ingle.personas.resolved import ResolvedPersona

SUMMARIZER = "my-summarizer"
WORDS_PER_TOKEN = 0.75
_CUT_NOTE = "\n[... {chars} characters left out ...]\n"


class CompactionResult(BaseModel):
    """What compaction did; `summary` and `kept` are the history to use from now on."""

    ok: bool  # False: the summariser failed and older turns were left out instead
    summary: str
    kept: list[ChatMessage]
    summarised_turns: int = 0
    dropped_turns: int = 0
    decisions: list[str] = Field(default_factory=list)
    error: str = ""

    @property
    def message(self) -> str:
        return "; ".join(self.decisions) or "nothing to compact"


class SummariserFailed(IngleError):
    """The summariser persona gave no usable summary (the message says why)."""


class Summariser:
    """Calls the summariser persona, one chunk of turns at a time."""

    def __init__(
        self,
        persona: ResolvedPersona,
        caller: PersonaCaller,
        estimators: TokenEstimators,
        num_ctx: int,
        *,
        timeout_s: float = 300.0,
    ) -> None:
        self.persona = persona
        self.caller = caller
        self.estimators = estimators
        self.model = persona.model_ref.model
        self.num_ctx = num_ctx
        self.timeout_s = timeout_s
        self.with_examples = True
        self.answer_tokens = answer_reserve_for(num_ctx, False)

    async def fold(self, summary: str, turns: list[ChatMessage], summary_tokens: int) -> str:
        """The running summary with `turns` folded in, a chunk at a time, each chunk sized
        to the summary so far. Raises SummariserFailed."""
        summary_tokens = min(summary_tokens, max(self.num_ctx // 8, 64))
        remaining = list(turns)
        self.answer_tokens = self._window(summary_tokens).answer_reserve
        while remaining:
            chunk, remaining = self._next_chunk(summary, remaining, summary_tokens)
            summary = await self._call(self._request_text(summary, chunk, summary_tokens))
        return summary

    def _window(self, summary_tokens: int) -> ContextWindow:
        estimator = self.estimators.for_model(self.model)
        reserve = max(answer_reserve_for(self.num_ctx, False), summary_tokens * 2)
        return ContextWindow(
            model=self.model,
            num_ctx=self.num_ctx,
            answer_reserve=min(reserve, self.num_ctx // 2),
            margin=estimator.margin,
        )

    def _next_chunk(
        self, summary: str, turns: list[ChatMessage], summary_tokens: int
    ) -> tuple[list[ChatMessage], list[ChatMessage]]:
        """The first turns that fit the window with the summary so far (sized as it may
        grow to), and the rest; a message too long on its own is cut in the middle. The
        few-shot examples go when they would leave the conversation less than half."""
        estimator = self.estimators.for_model(self.model)
        budget = self._window(summary_tokens).prompt_budget
        placeholder = "x" * estimator.chars_for(max(summary_tokens, estimator.tokens(summary)))
        request = self._request_text(placeholder, [], summary_tokens)
        self.with_examples = True
        room = budget - estimator.messages_tokens(self._messages(request))
        if room < budget // 2:
            self.with_examples = False
            room = budget - estimator.messages_tokens(self._messages(request))
        if room < 64:
            raise SummariserFailed(
                f"{self.model}'s {self.num_ctx}-token window has no room to summarise in"
            )
        chunk: list[ChatMessage] = []
        used = 0
        for message in turns:
            size = estimator.tokens(_line(message)) + 1
            if size > room:
                keep = estimator.chars_for(room - 16) // 2
                cut = len(message.content) - 2 * keep
                text = (
                    message.content[:keep] + _CUT_NOTE.format(chars=cut) + message.content[-keep:]
                )
                message = ChatMessage(role=message.role, content=text)
                size = estimator.tokens(_line(message)) + 1
            if used + size > room and chunk:
                break
            chunk.append(message)
            used += size
        return chunk, turns[len(chunk) :]

    def _request_text(self, summary: str, turns: list[ChatMessage], summary_tokens: int) -> str:
        words = max(int(summary_tokens * WORDS_PER_TOKEN), 40)
        head = f"Summarise this conversation for compaction, in at most {words} words."
        transcript = "\n".join(_line(m) for m in turns)
        if not summary.strip():
            return f"{head}\n\n{transcript}"
        return (
            f"{head} It continues from the earlier summary below: fold the two into one.\n\n"
            f"Earlier summary:\n{summary.strip()}\n\nConversation since:\n{transcript}"
        )

    def _messages(self, text: str) -> list[ChatMessage]:
        messages = [ChatMessage(role="system", content=self.persona.system_prompt())]
        for question, answer in self.persona.example_pairs() if self.with_examples else []:
            messages += [
                ChatMessage(role="user", content=question),
                ChatMessage(role="assistant", content=answer),
            ]
        return [*messages, ChatMessage(role="user", content=text)]

    async def _call(self, text: str) -> str:
        # The answer is capped at the room kept for it, so prompt and summary never pass
        # num_ctx; the prompt was fitted above with the session's calibrated estimator.
        endpoint, request = self.caller.request_for(
            self.persona, self._messages(text), num_predict=self.answer_tokens
        )
        parts: list[str] = []
        try:
            async with asyncio.timeout(self.timeout_s):
                async for event in self.caller.stream_request(
                    endpoint, request, persona=self.persona.name, task_kind="summary",
                    check_window=False,
                ):
                    if isinstance(event, TextDelta):
                        parts.append(event.text)
                    elif isinstance(event, Usage):
                        self.estimators.observe(self.model, request.messages, event)
        except TimeoutError:
            raise SummariserFailed(f"{self.model} took longer than {self.timeout_s:.0f}s") from None
        except BackendError as exc:
            raise SummariserFailed(exc.message) from exc
        reply = "".join(parts).strip()
        if not reply:
            raise SummariserFailed(f"{self.model} sent an empty summary")
        return reply


def _line(message: ChatMessage) -> str:
    return f"{message.role}: {message.content.strip()}"


async def compact_history(
    history: list[ChatMessage],
    summary: str,
    summariser: Summariser | None,
    *,
    summary_tokens: int,
    keep_exchanges: int,
) -> CompactionResult:
    """Fold all but the last `keep_exchanges` exchanges into the running summary."""
    exchanges = split_exchanges(history)
    older_count = len(exchanges) - keep_exchanges
    if older_count <= 0:
        return CompactionResult(ok=True, summary=summary, kept=list(history))
    older = [m for exchange in exchanges[:older_count] for m in exchange]
    kept = [m for exchange in exchanges[older_count:] for m in exchange]
    verbatim = f"the last {len(exchanges) - older_count} stay verbatim"
    try:
        if summariser is None:
            raise SummariserFailed(f"no {SUMMARIZER} persona is available")
        new_summary = await summariser.fold(summary, older, summary_tokens)
    except SummariserFailed as exc:
        return CompactionResult(
            ok=False,
            summary=summary,
            kept=kept,
            dropped_turns=older_count,
            error=str(exc),
            decisions=[
                (
                    f"history: summarising failed ({exc}); {older_count} oldest turn(s) left "
                    "out of this prompt instead (kept in the session for a later try)"
                )
            ],
        )
    return CompactionResult(
        ok=True,
        summary=new_summary,
        kept=kept,
        summarised_turns=older_count,
        decisions=[
            f"history: {older_count} older turn(s) summarised by {summariser.model}; {verbatim}"
        ],
    )
