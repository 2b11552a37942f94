"""Edits from a model's reply: parse them, plan them in memory, write them atomically.

parsed = parse_reply(reply_text)
plan = plan_edits(parsed.edits, files, repo_root, allow_new_files=..., chat_files=...)
if plan.ok:
    write_atomically(repo_root, plan.new_contents)
else:
    send plan.failure_message back to the model
"""

from ingle.core.edits.apply import plan_edits
from ingle.core.edits.models import (
    ApplyStep,
    BlockOutcome,
    EditBlock,
    EditKind,
    EditPlan,
    ParsedReply,
    ParseWarning,
    RefusalCode,
)
from ingle.core.edits.parse import parse_reply
from ingle.core.edits.writing import WriteFailed, write_atomically

__all__ = [
    "ApplyStep",
    "BlockOutcome",
    "EditBlock",
    "EditKind",
    "EditPlan",
    "ParseWarning",
    "ParsedReply",
    "RefusalCode",
    "WriteFailed",
    "parse_reply",
    "plan_edits",
    "write_atomically",
]
