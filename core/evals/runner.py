"""Generating samples: the matrix grouped by model, fanned out over endpoints, cached.

Jobs for one model run together (no reload thrash on one GPU), spread over every
configured endpoint that has the model, each with as many workers as its concurrency
limit. A reply is cached by (model digest, effective request, sample index): the same
request asked again at the same index reuses the stored reply, and repeats at other
indices are asked anew. Every sample is stored the moment it is scored, so an
interrupted run loses at most the replies in flight.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel

from ingle.core.backends.calls import PersonaCaller
from ingle.core.backends.errors import BackendError
from ingle.core.backends.registry import CLAUDE
from ingle.core.backends.types import ChatMessage, ChatRequest, ChatResult
from ingle.core.errors import IngleError
from ingle.core.evals.models import Case, Subject
from ingle.memory.evals import SampleRow
from ingle.personas.model import ModelRef
from ingle.personas.resolved import ResolvedPersona


class Job(BaseModel):
    case: Case
    subject: Subject
    sample_index: int


class Placement(BaseModel):
    """Where a model runs and which build of it (its digest, or its name if unknown)."""

    endpoints: list[str]
    digest: str


def messages_for(case: Case, persona: ResolvedPersona) -> list[ChatMessage]:
    if case.messages:
        system = [ChatMessage(role="system", content=persona.system_prompt())]
        return system + [ChatMessage(role=m.get("role", "user"), content=m["content"])  # type: ignore[arg-type]
                         for m in case.messages]
    return [ChatMessage(role=m.role, content=m.content) for m in persona.chat_messages(case.text())]


def cache_key(digest: str, request: ChatRequest, sample_index: int, attempt: int = 0) -> str:
    body = request.model_dump_json(exclude_none=True)
    return hashlib.sha256(f"{digest}\n{body}\n{sample_index}\n{attempt}".encode()).hexdigest()


async def locate(caller: PersonaCaller, model: str) -> Placement:
    """Every configured endpoint that lists `model` (or the one it is pinned to)."""
    ref = ModelRef.parse(model)
    if ref.endpoint:
        return Placement(endpoints=[ref.endpoint], digest=await _digest(caller, ref.endpoint,
                                                                        ref.model))
    found: list[str] = []
    digest = ""
    for name in caller.settings.endpoints:
        try:
            listed = await caller.pool.backend(name).list_models()  # type: ignore[attr-defined]
        except (BackendError, AttributeError):
            continue
        for info in listed:
            if info.name in (ref.model, f"{ref.model}:latest"):
                found.append(name)
                digest = digest or info.digest
    if not found:  # the call itself will say what is wrong (not installed, server down)
        found = [caller.pool.endpoint_of(ref)]
    return Placement(endpoints=found, digest=digest or ref.model)


async def _digest(caller: PersonaCaller, endpoint: str, model: str) -> str:
    if endpoint == CLAUDE and endpoint not in caller.settings.endpoints:
        return model
    try:
        for info in await caller.pool.backend(endpoint).list_models():  # type: ignore[attr-defined]
            if info.name in (model, f"{model}:latest"):
                return info.digest or model
    except (BackendError, AttributeError):
        pass
    return model


def concurrency(caller: PersonaCaller, endpoint: str) -> int:
    config = caller.settings.endpoints.get(endpoint)
    return config.concurrency if config is not None else 2


async def generate(
    caller: PersonaCaller, endpoint: str, request: ChatRequest, persona: str
) -> tuple[ChatResult | None, str, float]:
    """(result or None, error, seconds) for one request as sent."""
    started = time.monotonic()
    try:
        result = await caller.call_request(endpoint, request, persona=persona, task_kind="eval")
    except (BackendError, IngleError) as exc:
        return None, str(exc).splitlines()[0], time.monotonic() - started
    return result, "", time.monotonic() - started


def sample_row(run_id: str, job: Job, attempt: int, key: str, endpoint: str, digest: str,
               request: ChatRequest, result: ChatResult | None, error: str,
               seconds: float) -> SampleRow:
    row = SampleRow(run_id=run_id, case_id=job.case.id, subject=job.subject.label,
                    sample_index=job.sample_index, attempt=attempt, cache_key=key,
                    endpoint=endpoint, model=request.model, model_digest=digest,
                    request_json=request.model_dump_json(exclude_none=True),
                    latency_s=seconds, error=error)
    if result is not None:
        u = result.usage
        row = row.model_copy(update=dict(
            output=result.text, thinking=result.thinking, prompt_tokens=u.prompt_tokens,
            output_tokens=u.output_tokens, thinking_tokens=u.thinking_tokens,
            load_s=u.load_duration_s, prompt_s=u.prompt_duration_s, eval_s=u.eval_duration_s,
            tok_s=u.tokens_per_s, cost_usd=u.cost_usd or 0.0))
    return row


async def fan_out(
    jobs_by_model: dict[str, list[Job]],
    placements: dict[str, Placement],
    caller: PersonaCaller,
    work: Callable[[Job, str, str], Awaitable[None]],
) -> None:
    """Model by model: each endpoint that has it runs `concurrency` workers on one queue."""
    for model, jobs in jobs_by_model.items():
        placement = placements[model]
        queue: asyncio.Queue[Job] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)

        async def worker(endpoint: str) -> None:
            while True:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await work(job, endpoint, placement.digest)

        workers = [asyncio.create_task(worker(e)) for e in placement.endpoints
                   for _ in range(concurrency(caller, e))]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)


def group_by_model(jobs: Sequence[Job]) -> dict[str, list[Job]]:
    grouped: dict[str, list[Job]] = {}
    for job in jobs:
        grouped.setdefault(job.subject.model, []).append(job)
    return grouped


def repair_messages(request: ChatRequest, reply: str, reasons: list[str]) -> list[ChatMessage]:
    feedback = "Your answer failed these checks:\n" + "\n".join(f"- {r}" for r in reasons)
    return [*request.messages, ChatMessage(role="assistant", content=reply),
            ChatMessage(role="user", content=feedback + "\nFix it and answer again in full.")]


def dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
