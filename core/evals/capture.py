"""Usage becomes evals: a stored turn (its request as sent and its reply) becomes a case.

A passed turn becomes a case whose accepted reply is the reference a judge compares new
answers with; a failed, rejected or undone one becomes a failing case that says what went
wrong. Cases are appended to the user's suite file (`<config>/evals/NAME.toml`), which is
created when missing; the file is read back to prove it still parses.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ingle.core.errors import NotFound, UsageError
from ingle.core.evals.models import Case, CheckSpec
from ingle.core.evals.suites import read_suite_file
from ingle.memory.evals import TurnCall

SUITE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def case_from_turn(calls: list[TurnCall], outcome: str | None = None) -> Case:
    """The case for a turn's final call; `outcome` overrides the stored one ("undone",
    "rejected")."""
    if not calls:
        raise NotFound("no stored turn with that id (or it made no model call)",
                       "`ingle log` shows recent turns and their ids")
    final = next((c for c in reversed(calls) if c.call_outcome == "passed"), calls[-1])
    messages = replay_messages(json.loads(final.request_json))
    if not messages:
        raise UsageError(f"turn {final.turn_id} has no user message to replay", "pick another turn")
    verdict = outcome or ("passed" if final.ok else final.turn_outcome or final.call_outcome)
    good = verdict == "passed"
    if good:
        rubric = ("Does what the user asked as well as this accepted answer does:\n"
                  + final.reply_text[:4000])
    else:
        rubric = (f"Does what the user asked. An earlier answer was {verdict} "
                  f"and must not be repeated:\n" + final.reply_text[:4000])
    return Case(
        id=f"turn-{final.turn_id[:12]}",
        messages=messages,
        expected=final.reply_text if good else None,
        tags=["captured", "passing" if good else "failing", verdict],
        checks=[CheckSpec(type="rubric", rubric=rubric, threshold=0.5)],
        data={"turn_id": final.turn_id, "persona": final.persona, "outcome": verdict},
    )


def replay_messages(body: dict[str, Any]) -> list[dict[str, str]]:
    """The conversation without the system prompt (a subject brings its own)."""
    out = []
    for message in body.get("messages") or []:
        role = message.get("role", "user")
        if role == "system":
            continue
        content = message.get("content", "")
        if isinstance(content, list):  # Anthropic blocks
            content = "".join(b.get("text", "") for b in content if isinstance(b, dict))
        out.append({"role": role, "content": str(content)})
    return out


def append_case(directory: Path, suite: str, case: Case) -> Path:
    if not SUITE_NAME.match(suite):
        raise UsageError(f"'{suite}' is not a suite name", "use lower-case letters, digits, - and _")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{suite}.toml"
    before = path.read_text(encoding="utf-8") if path.is_file() else (
        f"# Cases captured from real turns (`ingle eval capture`).\nname = {_s(suite)}\n")
    if path.is_file() and any(c.id == case.id for c in read_suite_file(path).cases):
        raise UsageError(f"{case.id} is already in {path}", "capture another turn")
    path.write_text(before.rstrip("\n") + "\n\n" + _case_toml(case), encoding="utf-8")
    try:
        read_suite_file(path)
    except UsageError:
        path.write_text(before, encoding="utf-8")  # never leave a broken suite behind
        raise
    return path


def _s(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, once DEL is escaped too)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _case_toml(case: Case) -> str:
    lines = ["[[cases]]", f"id = {_s(case.id)}",
             f"tags = [{', '.join(_s(t) for t in case.tags)}]"]
    if case.expected is not None:
        lines.append(f"expected = {_s(case.expected)}")
    lines.append("data = { " + ", ".join(f"{k} = {_s(str(v))}" for k, v in case.data.items())
                 + " }")
    lines.append("messages = [")
    lines += [f"  {{ role = {_s(m['role'])}, content = {_s(m['content'])} }}," for m in case.messages]
    lines.append("]")
    for check in case.checks:
        lines += ["[[cases.checks]]", f"type = {_s(check.type)}", f"rubric = {_s(check.rubric)}",
                  f"threshold = {check.threshold}"]
    return "\n".join(lines) + "\n"
