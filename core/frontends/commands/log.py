"""`ingle log`: the requests Ingle sent to models and the replies it got, newest first.

One line per call by default; `--full` prints each request body exactly as sent
(keys redacted), the thinking and the whole reply.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ingle.core.frontends.commands.common import CommandFailed, json_flag, load_for, print_json

if TYPE_CHECKING:
    from ingle.memory.call_log import CallRecord

_PREVIEW = 60


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--last", "-n", type=int, default=20, metavar="N",
                        help="how many recent calls to show (default 20)")
    parser.add_argument("--full", action="store_true",
                        help="print each request as sent, the thinking and the whole reply")
    parser.add_argument("--id", type=int, metavar="ID", help="only the call with this number")
    parser.add_argument("--model", metavar="NAME", help="only calls to this model")
    json_flag(parser)


def run(args: argparse.Namespace) -> int:
    if args.last < 1:
        raise CommandFailed("--last must be at least 1", 2)
    loaded = load_for(args)
    from ingle.memory.call_log import get_call, recent_calls
    from ingle.memory.store import Store

    database = loaded.dirs.database
    if not database.exists():
        if args.json:
            return print_json({"calls": []})
        print(f"no model calls recorded yet (they will be kept in {database})")
        return 0
    with Store(database) as store:
        if args.id is not None:
            call = get_call(store, args.id)
            if call is None:
                raise CommandFailed(f"no recorded call #{args.id} (see `ingle log`)", 1)
            calls = [call]
        else:
            calls = recent_calls(store, args.last, model=args.model)
    if args.json:
        # Each call as recorded: the request as sent (keys redacted), thinking, reply, usage.
        return print_json({"calls": [call.model_dump(mode="json") for call in calls]})
    if not calls:
        print("no model calls recorded yet" + (f" for {args.model}" if args.model else ""))
        return 0
    for call in calls:
        print("\n".join(full(call) if args.full or args.id is not None else [summary(call)]))
    return 0


def _when(call: CallRecord) -> str:
    return datetime.fromtimestamp(call.started_at).strftime("%Y-%m-%d %H:%M:%S")


def _one_line(text: str, limit: int = _PREVIEW) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def last_user_text(request_json: str) -> str:
    """The prompt's last user message, from any backend's request body."""
    try:
        body: Any = json.loads(request_json)
    except json.JSONDecodeError:
        return ""
    for message in reversed(body.get("messages") or [] if isinstance(body, dict) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _tokens(call: CallRecord) -> str:
    about = "~" if call.tokens_estimated else ""
    tokens = f"{about}{call.prompt_tokens}+{call.output_tokens} tok"
    if call.thinking_tokens:
        tokens += f" ({call.thinking_tokens} thinking)"
    if call.tokens_estimated:
        tokens += f" ({call.token_source} estimate)"
    return tokens


def summary(call: CallRecord) -> str:
    who = f" [{call.persona}]" if call.persona else ""
    flags = " TRUNCATED" if call.truncated else ""
    reply = call.reply_text if call.outcome == "ok" else (call.error or call.reply_text)
    return (f"#{call.id} {_when(call)} {call.model}@{call.endpoint}{who} {call.outcome}{flags} "
            f"{_tokens(call)} {call.duration_s:.1f}s  "
            f"{_one_line(last_user_text(call.request_json))!r} -> {_one_line(reply or '')!r}")


def full(call: CallRecord) -> list[str]:
    try:
        request = json.dumps(json.loads(call.request_json), indent=2, ensure_ascii=False)
    except json.JSONDecodeError:
        request = call.request_json
    header = (f"=== #{call.id} {_when(call)} {call.model}@{call.endpoint} ({call.backend}) "
              f"{call.outcome}")
    context = (f"persona: {call.persona or '-'}  task: {call.task_kind or '-'}  rung: "
               f"{call.rung if call.rung is not None else '-'}  think: {call.think or '-'}  "
               f"repo: {call.repo or '-'}")
    usage = (f"usage: {_tokens(call)}, {call.tokens_per_s:.1f} tok/s, {call.duration_s:.1f}s, "
             f"done: {call.done_reason or '-'}")
    if call.cost_usd is not None:
        usage += f", ${call.cost_usd:.4f}"
    if call.truncated:
        usage += ", PROMPT TRUNCATED"
    lines = [
        header,
        context,
        usage,
        "--- request",
        request,
    ]
    if call.thinking_text:
        lines += ["--- thinking", call.thinking_text]
    lines += ["--- reply", call.reply_text]
    if call.error:
        lines += ["--- error", call.error]
    return [*lines, ""]
