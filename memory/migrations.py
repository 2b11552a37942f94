"""Forward migrations of the state database, applied in order by `Store`.

Append a new function to MIGRATIONS to change the schema; never edit one that
has shipped (users' databases already ran it).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils


def _v1_calls_and_trust(db: sqlite_utils.Database) -> None:
    # Every request sent to a model and the reply it gave: `ingle log`, the TUI's
    # log view and the ledger all read this one table.
    db["model_calls"].create(
        {
            "id": int,
            "started_at": float,
            "duration_s": float,
            "endpoint": str,
            "backend": str,
            "model": str,
            "persona": str,
            "task_kind": str,
            "rung": int,
            "think": str,
            "request_json": str,
            "reply_text": str,
            "thinking_text": str,
            "prompt_tokens": int,
            "output_tokens": int,
            "thinking_tokens": int,
            "tokens_per_s": float,
            "done_reason": str,
            "truncated": int,
            "outcome": str,
            "error": str,
            "cost_usd": float,
            "repo": str,
        },
        pk="id",
    )
    db["model_calls"].create_index(["started_at"])
    db["model_calls"].create_index(["model", "started_at"])
    # Repositories whose .ingle.toml the user allowed to name endpoints, keys or commands.
    db["trusted_repos"].create(
        {"path": str, "config_sha256": str, "trusted_at": float}, pk="path"
    )


def _v2_repo_tags(db: sqlite_utils.Database) -> None:
    # The repo map's parsed tags per source file (memory/tag_cache.py): valid while the
    # file's mtime_ns and size and the extractor's format match. tags/outline are JSON.
    db["repo_tags"].create(
        {
            "repo": str,
            "path": str,
            "mtime_ns": int,
            "size": int,
            "format": int,
            "tags": str,
            "outline": str,
        },
        pk=("repo", "path"),
    )


def _v3_turns(db: sqlite_utils.Database) -> None:
    # One row per agent turn: how it ended and on which rung, so the ledger can say
    # what share of tasks finished locally. Calls of a turn carry its turn_id.
    db["turns"].create(
        {
            "turn_id": str,
            "started_at": float,
            "duration_s": float,
            "repo": str,
            "persona": str,
            "task_kind": str,
            "outcome": str,
            "ok": int,
            "attempts": int,
            "final_rung": int,
            "final_model": str,
            "final_endpoint": str,
            "prompt_tokens": int,
            "output_tokens": int,
            "thinking_tokens": int,
            "cost_usd": float,
        },
        pk="turn_id",
    )
    db["turns"].create_index(["started_at"])
    db["model_calls"].add_column("turn_id", str)
    db["model_calls"].create_index(["turn_id"])


def _v4_token_calibration(db: sqlite_utils.Database) -> None:
    # Per-model characters-per-token learned from the prompt token counts servers report
    # (memory/token_calibration.py), so the context planner starts calibrated.
    db["token_calibration"].create(
        {
            "model": str,
            "chars_per_token": float,
            "error": float,
            "samples": int,
            "updated_at": float,
        },
        pk="model",
    )


def _v5_conversations(db: sqlite_utils.Database) -> None:
    # Saved chat sessions per repository (memory/conversations.py): the session state
    # the engine needs to continue, and the transcript the app shows again on restart.
    db["conversations"].create(
        {
            "id": int,
            "repo": str,
            "started_at": float,
            "updated_at": float,
            "title": str,
            "session_json": str,
        },
        pk="id",
    )
    db["conversations"].create_index(["repo", "updated_at"])
    db["conversation_entries"].create(
        {
            "id": int,
            "conversation_id": int,
            "seq": int,
            "kind": str,
            "text": str,
            "data_json": str,
            "created_at": float,
        },
        pk="id",
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db["conversation_entries"].create_index(["conversation_id", "seq"], unique=True)


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_calls_and_trust,
    _v2_repo_tags,
    _v3_turns,
    _v4_token_calibration,
    _v5_conversations,
]
