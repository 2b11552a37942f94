"""Every request sent to a model and the reply it gave, in the `model_calls` table.

`ingle log`, the TUI's log view and the ledger read these rows. Keys and secrets
never reach the table: every text column is redacted on the way in, both for the
values the caller names (configured keys) and for anything shaped like a credential.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel

from ingle.memory.store import Store

TABLE = "model_calls"
REDACTED = "[REDACTED]"

# Transport outcomes written when the call ends; an agent turn then replaces "ok" with
# what became of the attempt (memory/ledger.py tag_calls).
Outcome = Literal[
    "ok", "error", "cancelled",
    "passed", "answered", "failed_apply", "failed_gate", "failed_tests", "timeout",
    "escalated", "refused",
]

_CREDENTIAL_SHAPES = [
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/\-]{8,}=*"),
]
# "api_key": "...", "Authorization": "..." and friends inside JSON: keep the key, drop the value.
_SECRET_FIELD = re.compile(
    r'(?i)("(?:api[_-]?key|x-api-key|authorization|password|secret|client[_-]?secret|'
    r'access[_-]?token|auth[_-]?token|refresh[_-]?token)"\s*:\s*")((?:[^"\\]|\\.)*)(")'
)
_URL_USERINFO = re.compile(r"(?i)\b(https?://)[^/@\s:]+:[^/@\s]+@")


class CallRecord(BaseModel):
    """One row of `model_calls`."""

    id: int | None = None
    started_at: float
    duration_s: float = 0.0
    endpoint: str
    backend: str
    model: str
    persona: str | None = None
    persona_version: str | None = None  # `name@N`: which version of the persona (lab)
    task_kind: str | None = None
    rung: int | None = None
    think: str | None = None
    request_json: str
    reply_text: str = ""
    thinking_text: str = ""
    prompt_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    tokens_per_s: float = 0.0
    done_reason: str = ""
    truncated: bool = False
    outcome: Outcome = "ok"
    error: str | None = None
    cost_usd: float | None = None
    repo: str | None = None
    turn_id: str | None = None
    # "server" (its own usage record), "tokenizer" or "estimate": see core/backends/types.py.
    token_source: str = "server"

    @property
    def tokens_estimated(self) -> bool:
        return self.token_source != "server"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secret values and credential-shaped strings replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    for shape in _CREDENTIAL_SHAPES:
        text = shape.sub(REDACTED, text)
    text = _SECRET_FIELD.sub(rf"\g<1>{REDACTED}\g<3>", text)
    return _URL_USERINFO.sub(rf"\g<1>{REDACTED}@", text)


def record_call(store: Store, record: CallRecord, secrets: Iterable[str] = ()) -> int:
    """Insert a finished (or failed) call, redacted; returns its id."""
    secrets = list(secrets)
    clean = record.model_copy(update={
        "request_json": redact(record.request_json, secrets),
        "reply_text": redact(record.reply_text, secrets),
        "thinking_text": redact(record.thinking_text, secrets),
        "error": redact(record.error, secrets) if record.error else record.error,
    })
    row = clean.model_dump(exclude={"id"})
    row["truncated"] = int(clean.truncated)
    with store.db.conn:
        table = store.db[TABLE].insert(row)
    return int(table.last_pk)


def recent_calls(store: Store, limit: int = 20, *, model: str | None = None) -> list[CallRecord]:
    """The latest calls, newest first (optionally only one model's)."""
    where, args = ("model = ?", [model]) if model else (None, [])
    rows = store.db[TABLE].rows_where(where, args, order_by="started_at desc, id desc", limit=limit)
    return [CallRecord.model_validate(row) for row in rows]


def get_call(store: Store, call_id: int) -> CallRecord | None:
    rows = list(store.db[TABLE].rows_where("id = ?", [call_id]))
    return CallRecord.model_validate(rows[0]) if rows else None
