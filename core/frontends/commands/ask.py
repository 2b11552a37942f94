"""`ingle ask`: one streamed answer from a model, thinking shown dimmed, then a usage line.

The answer goes to stdout. Thinking goes to stdout too when that is a terminal
(dimmed), else to stderr, so `ingle ask ... > answer.txt` keeps only the answer.
The usage line and notices go to stderr. With --schema, stdout gets only the
validated JSON. Every call is recorded for `ingle log`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ingle.core.config.redact import redact_url
from ingle.core.errors import EXIT_USAGE
from ingle.core.frontends.commands.common import CommandFailed, load_for

if TYPE_CHECKING:
    from ingle.core.backends.types import ChatRequest, Usage
    from ingle.core.config.loader import LoadedConfig
    from ingle.core.workbench import Workbench
    from ingle.personas.resolved import ResolvedPersona

DIM = "\x1b[2m"
RESET = "\x1b[0m"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("prompt", help='the question; "-" reads it from stdin')
    parser.add_argument(
        "--model", "-m",
        help="model to ask, optionally NAME@ENDPOINT (default: the model of the 'code' role)",
    )
    parser.add_argument("--think", action="store_true",
                        help="let the model think before answering (slower; for hard problems)")
    parser.add_argument("--schema", metavar="FILE",
                        help="a JSON schema the answer must follow; prints the validated JSON")
    parser.add_argument("--endpoint", metavar="NAME",
                        help="the configured endpoint to ask (default: local), or 'claude'")
    parser.add_argument("--persona", metavar="NAME",
                        help="answer as this persona: its prompt, examples, sampling, think policy, "
                        "JSON schema and model (--model, --think and --schema still win)")


def run(args: argparse.Namespace) -> int:
    loaded = load_for(args)
    prompt = _read_prompt(args.prompt)
    schema = _read_schema(Path(args.schema)) if args.schema else None

    from ingle.core.backends.errors import ModelNotFound
    from ingle.core.workbench import Workbench

    workbench = Workbench.from_loaded(loaded)
    try:
        persona = _load_persona(workbench, args.persona) if args.persona else None
        endpoint, request = _request(workbench, args, prompt, schema, persona)
        name = persona.name if persona else None
        version = persona.label if persona and persona.version_number else None
        try:
            return asyncio.run(_ask(workbench, endpoint, request, persona=name,
                                    version=version))
        except ModelNotFound:
            if not (_interactive() and _offer_pull(loaded, endpoint, request.model)):
                raise
            asyncio.run(_pull(loaded, endpoint, request.model))
            return asyncio.run(_ask(workbench, endpoint, request, persona=name,
                                    version=version))
    finally:
        workbench.store.close()


def _request(
    workbench: Workbench,
    args: argparse.Namespace,
    prompt: str,
    schema: dict[str, Any] | None,
    persona: ResolvedPersona | None,
) -> tuple[str, ChatRequest]:
    """The persona's system prompt, few-shot exchanges, sampling, think policy and schema
    (--model, --think and --schema win); without a persona, the prompt alone to the model
    of the 'code' role, thinking off unless asked."""
    default_model = None if persona else workbench.settings.roles.get("code", "qwen3:8b")
    think = True if args.think else None if persona else False
    if persona is not None and schema is None:
        schema = persona.json_schema
    messages: Any = prompt
    if persona is not None:  # the persona's memories go with its system prompt
        from ingle.core.memories.service import MemoryService

        messages = asyncio.run(MemoryService(workbench).persona_messages(
            persona, prompt, workbench.settings.num_ctx_for(args.model or persona.model_ref.model),
            repo=str(workbench.loaded.repo) if workbench.loaded.repo else None))
    return workbench.caller.request_for(
        persona, messages, model=args.model or default_model, endpoint=args.endpoint,
        think=think, json_schema=schema,
    )


def _load_persona(workbench: Workbench, name: str) -> ResolvedPersona:
    from ingle.core.lab.versions import resolve_persona
    from ingle.personas.registry import UnknownPersona

    try:  # `name`, `name@2` or `name@HASH`: the lab's one resolver
        return resolve_persona(workbench.personas, workbench.store, name)
    except UnknownPersona as exc:
        raise CommandFailed(str(exc), EXIT_USAGE) from exc


def _read_prompt(given: str) -> str:
    prompt = sys.stdin.read() if given == "-" else given
    if not prompt.strip():
        raise CommandFailed("the prompt is empty (give it as an argument, or pipe it with -)", 2)
    return prompt


def _read_schema(path: Path) -> dict[str, Any]:
    import jsonschema

    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandFailed(f"--schema {path}: cannot read it: {exc.strerror}", 2) from exc
    except json.JSONDecodeError as exc:
        raise CommandFailed(
            f"--schema {path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})",
            2) from exc
    if not isinstance(schema, dict):
        raise CommandFailed(f"--schema {path}: a JSON schema must be an object", 2)
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise CommandFailed(f"--schema {path}: not a valid JSON schema: {exc.message}", 2) from exc
    return schema


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


class _Printer:
    """Writes thinking (dimmed on a terminal) and the answer as they stream."""

    def __init__(self, show_text: bool) -> None:
        self._show_text = show_text
        self._think_out: TextIO = sys.stdout if sys.stdout.isatty() and show_text else sys.stderr
        self._dim = self._think_out.isatty()
        self._in_thinking = False
        self._wrote_text = False

    def thinking(self, text: str) -> None:
        if not self._in_thinking:
            self._in_thinking = True
            if self._dim:
                self._think_out.write(DIM)
        self._think_out.write(text)
        self._think_out.flush()

    def text(self, text: str) -> None:
        self.end_thinking()
        if self._show_text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self._wrote_text = True

    def end_thinking(self) -> None:
        if self._in_thinking:
            self._in_thinking = False
            self._think_out.write((RESET if self._dim else "") + "\n\n")
            self._think_out.flush()

    def finish(self) -> None:
        self.end_thinking()
        if self._wrote_text:
            sys.stdout.write("\n")
            sys.stdout.flush()


async def _ask(
    workbench: Workbench, endpoint: str, request: ChatRequest, persona: str | None = None,
    version: str | None = None,
) -> int:
    from ingle.core.backends.base import validate_json_reply
    from ingle.core.backends.errors import InvalidJsonReply, RateLimited
    from ingle.core.backends.types import TextDelta, ThinkingDelta, Usage

    def on_retry(error: RateLimited, wait: float, attempt: int) -> None:
        print(f"note: {error.message}; retrying in {wait:.1f}s", file=sys.stderr)

    printer = _Printer(show_text=request.json_schema is None)
    text: list[str] = []
    usage: Usage | None = None
    # The same overall limit as one rung of a turn: a stalled server, or one dripping a
    # token now and then, cannot keep the command forever.
    limit = min(workbench.settings.cascade.rung_timeout_s, workbench.settings.budget.turn_timeout_s)
    try:
        # `ingle ask` sends what the user typed as it is: a prompt too long for the
        # window is the server's to cut, as it always was (no window check here).
        stream = workbench.caller.stream_request(
            endpoint, request, persona=persona, task_kind="ask", on_retry=on_retry,
            persona_version=version,
            check_window=False,
        )
        async with asyncio.timeout(limit):
            async for event in stream:
                if isinstance(event, ThinkingDelta):
                    printer.thinking(event.text)
                elif isinstance(event, TextDelta):
                    text.append(event.text)
                    printer.text(event.text)
                elif isinstance(event, Usage):
                    usage = event
    except TimeoutError as exc:
        raise CommandFailed(
            f"{request.model}@{endpoint} gave no complete answer within {limit:g}s "
            "(cascade.rung_timeout_s); what arrived is shown above",
            1,
            "check the server (`ingle doctor`), or raise cascade.rung_timeout_s in your "
            "config for a slow model",
        ) from exc
    finally:
        printer.finish()
        await workbench.pool.aclose()
    if request.json_schema is not None:
        try:
            value = validate_json_reply("".join(text), request.json_schema)
        except InvalidJsonReply:
            print(f"the model replied:\n{''.join(text)}", file=sys.stderr)
            raise
        print(json.dumps(value, indent=2, ensure_ascii=False))
    if usage is not None:
        print(usage_line(usage, endpoint), file=sys.stderr)
        for warning in usage.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    return 0


# How an estimated count is labelled: the server sent no usage record of its own.
ESTIMATED_BY = {
    "tokenizer": "estimated: the server sent no usage, its tokenizer counted the text",
    "estimate": "estimated: the server sent no usage, counted as characters / token",
}


def usage_line(usage: Usage, endpoint: str) -> str:
    about = "~" if usage.estimated else ""
    line = (
        f"{usage.model}@{endpoint}: {about}{usage.prompt_tokens} prompt + {about}"
        f"{usage.visible_tokens} answer + {usage.thinking_tokens} thinking tokens"
        + (f" ({ESTIMATED_BY[usage.token_source]})" if usage.estimated else "")
        + f", {usage.tokens_per_s:.1f} tok/s, {usage.total_duration_s:.1f}s"
    )
    if usage.cost_usd is not None:
        line += f", ${usage.cost_usd:.4f}"
    return line


def _offer_pull(loaded: LoadedConfig, endpoint: str, model: str) -> bool:
    config = loaded.settings.endpoints.get(endpoint)
    if config is None or config.kind != "ollama":
        return False
    try:
        answer = input(f"'{model}' is not installed on {endpoint} ({redact_url(config.url)}). "
                       "Pull it now? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


async def _pull(loaded: LoadedConfig, endpoint: str, model: str) -> None:
    from ingle.core.backends.registry import open_ollama

    backend = open_ollama(loaded.settings, endpoint)
    try:
        async for event in backend.pull(model):
            share = f" {event.fraction:.0%}" if event.fraction is not None else ""
            print(f"\r{event.status}{share}\x1b[K", end="", file=sys.stderr, flush=True)
    finally:
        print(file=sys.stderr)
        await backend.aclose()
