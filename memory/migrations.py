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


def _v6_evals(db: sqlite_utils.Database) -> None:
    # The evaluator (memory/evals.py): runs of a suite, every generated sample with its
    # effective request, and scores kept apart from samples so a run can be re-scored.
    db["eval_runs"].create(
        {"id": str, "suite": str, "suite_json": str, "subjects_json": str, "samples": int,
         "case_limit": int, "status": str, "started_at": float, "finished_at": float},
        pk="id",
    )
    db["eval_samples"].create(
        {"id": int, "run_id": str, "case_id": str, "subject": str, "sample_index": int,
         "attempt": int, "cache_key": str, "endpoint": str, "model": str, "model_digest": str,
         "request_json": str, "output": str, "thinking": str, "prompt_tokens": int,
         "output_tokens": int, "thinking_tokens": int, "load_s": float, "prompt_s": float,
         "eval_s": float, "latency_s": float, "tok_s": float, "cost_usd": float, "error": str,
         "cached_from": int, "created_at": float},
        pk="id",
        foreign_keys=[("run_id", "eval_runs", "id")],
    )
    db["eval_samples"].create_index(
        ["run_id", "case_id", "subject", "sample_index", "attempt"], unique=True
    )
    db["eval_samples"].create_index(["cache_key"])
    db["eval_scores"].create(
        {"id": int, "sample_id": int, "run_id": str, "check_name": str, "kind": str,
         "passed": int, "score": float, "weight": float, "must_pass": int, "reason": str,
         "skipped": int, "created_at": float},
        pk="id",
        foreign_keys=[("sample_id", "eval_samples", "id")],
    )
    db["eval_scores"].create_index(["sample_id", "check_name"], unique=True)
    db["eval_scores"].create_index(["run_id"])
    # Human labels on samples (thumbs up/down and a comment), from the Evals pane.
    db["eval_labels"].create(
        {"sample_id": int, "thumbs": int, "comment": str, "labelled_at": float},
        pk="sample_id",
        foreign_keys=[("sample_id", "eval_samples", "id")],
    )
def _v10_expenses(db: sqlite_utils.Database) -> None:
    # Expenses (memory/expenses.py): categories, transactions (Decimal text amounts, ISO
    # dates, a unique dedup key so a re-import adds nothing), rules, import profiles, the
    # sink's delivery state, and an FTS5 index of merchants for the nearest confirmed lookup.
    db["expense_categories"].create({"name": str, "position": int}, pk="name")
    db["expenses"].create(
        {
            "id": int, "date": str, "amount": str, "currency": str, "direction": str,
            "text": str, "merchant": str, "category": str, "status": str, "confidence": float,
            "path": str, "reason": str, "source": str, "source_line": int, "dedup_key": str,
            "created_at": float, "confirmed_at": float,
        },
        pk="id",
    )
    db["expenses"].create_index(["dedup_key"], unique=True)
    db["expenses"].create_index(["date"])
    db["expenses"].create_index(["category"])
    db["expense_rules"].create(
        {
            "id": int, "kind": str, "field": str, "pattern": str, "min_amount": str,
            "max_amount": str, "category": str, "origin": str, "created_at": float,
        },
        pk="id",
    )
    db["expense_profiles"].create(
        {
            "name": str, "columns": str, "date_format": str, "decimal_comma": int, "sign": str,
            "currency": str, "delimiter": str,
        },
        pk="name",
    )
    db["expense_sink"].create(
        {
            "expense_id": int, "attempts": int, "exit_status": int, "error": str,
            "delivered_at": float, "updated_at": float,
        },
        pk="expense_id",
        foreign_keys=[("expense_id", "expenses", "id")],
    )
    db.execute(
        "CREATE VIRTUAL TABLE expenses_fts USING fts5(merchant, content='expenses', content_rowid='id')"
    )
    for name, body in {
        "expenses_ai": "AFTER INSERT ON expenses BEGIN INSERT INTO expenses_fts(rowid, merchant) "
        "VALUES (new.id, new.merchant); END",
        "expenses_ad": "AFTER DELETE ON expenses BEGIN INSERT INTO expenses_fts(expenses_fts, rowid, "
        "merchant) VALUES ('delete', old.id, old.merchant); END",
        "expenses_au": "AFTER UPDATE OF merchant ON expenses BEGIN INSERT INTO expenses_fts(expenses_fts, "
        "rowid, merchant) VALUES ('delete', old.id, old.merchant); INSERT INTO expenses_fts(rowid, "
        "merchant) VALUES (new.id, new.merchant); END",
    }.items():
        db.execute(f"CREATE TRIGGER {name} {body}")


def _v7_memories(db: sqlite_utils.Database) -> None:
    # Per-persona memories (memory/memories.py): never deleted on a model's say-so, only
    # superseded or archived, with an append-only history of every change.
    db["memories"].create(
        {
            "id": int,
            "persona": str,
            "repo": str,  # "" unless the memory is about one project
            "kind": str,
            "text": str,
            "norm_hash": str,
            "source_turn": str,
            "status": str,
            "superseded_by": int,
            "pinned": int,
            "use_count": int,
            "last_used_at": float,
            "valid_from": float,
            "created_at": float,
            "updated_at": float,
            "embedding": bytes,
            "embedding_model": str,
            "embedding_dim": int,
        },
        pk="id",
    )
    db["memories"].create_index(["persona", "status"])
    db["memories"].create_index(["persona", "norm_hash"])
    db["memories"].enable_fts(["text"], tokenize="porter unicode61", create_triggers=True)
    db["memory_history"].create(
        {
            "id": int,
            "memory_id": int,
            "op": str,
            "old": str,  # JSON of the changed fields before, or ""
            "new": str,
            "actor": str,
            "at": float,
        },
        pk="id",
    )
    db["memory_history"].create_index(["memory_id", "id"])


def _v8_corrections(db: sqlite_utils.Database) -> None:
    # Corrections (memory/corrections.py): what a model said, what the user made of it.
    db["corrections"].create(
        {
            "id": int,
            "domain": str,
            "persona": str,
            "input": str,
            "output": str,
            "corrected": str,
            "note": str,
            "source": str,
            "pattern": str,
            "created_at": float,
        },
        pk="id",
    )
    db["corrections"].create_index(["domain", "pattern"])
    db["corrections"].enable_fts(["input"], tokenize="porter unicode61", create_triggers=True)
    db["correction_rules"].create(
        {
            "id": int,
            "domain": str,
            "pattern": str,
            "output": str,
            "support": int,
            "created_at": float,
        },
        pk="id",
    )
    db["correction_rules"].create_index(["domain", "pattern"], unique=True)


def _v9_token_source(db: sqlite_utils.Database) -> None:
    # Where a call's token counts come from: "server" (its usage record), "tokenizer"
    # (the server's tokenizer over the text: a stream without usage) or "estimate"
    # (characters per token). A turn is estimated when any of its calls was.
    db["model_calls"].add_column("token_source", str, not_null_default="server")
    db["turns"].add_column("tokens_estimated", int, not_null_default=0)


def _v11_persona_versions(db: sqlite_utils.Database) -> None:
    # The persona lab (memory/persona_versions.py): every saved persona change as an
    # immutable row (the trigger refuses updates), and blind A/B picks for the Elo table.
    db["persona_versions"].create(
        {
            "name": str,
            "number": int,
            "content_hash": str,
            "parent_hash": str,
            "changelog": str,
            "author": str,
            "toml": str,
            "created_at": float,
        },
        pk=("name", "number"),
    )
    db["persona_versions"].create_index(["name", "content_hash"])
    db.execute(
        "CREATE TRIGGER persona_versions_immutable BEFORE UPDATE ON persona_versions "
        "BEGIN SELECT RAISE(ABORT, 'persona versions are immutable; save a new version'); END"
    )
    db["persona_preferences"].create(
        {
            "id": int,
            "created_at": float,
            "tag": str,
            "prompt": str,
            "left": str,
            "right": str,
            "winner": str,
        },
        pk="id",
    )
    db["persona_preferences"].create_index(["tag"])
    # Which version of the persona made each call (`name@N`), for the ledger and evals.
    db["model_calls"].add_column("persona_version", str)


def _v12_refine_candidates(db: sqlite_utils.Database) -> None:
    # The evaluator's refine loop (core/evals/refine.py): every candidate persona it
    # proposed, the eval run that scored it on the holdout split, and whether it was kept.
    db["refine_candidates"].create(
        {"id": int, "refine_id": str, "persona": str, "round": int, "idx": int,
         "persona_toml": str, "rationale": str, "run_id": str, "score": float,
         "baseline": float, "accepted": int, "verdict": str, "cost_usd": float,
         "saved_version": int, "created_at": float},
        pk="id",
    )
    db["refine_candidates"].create_index(["persona", "created_at"])


def _v13_jobs(db: sqlite_utils.Database) -> None:
    # Idle-time jobs (memory/jobs.py): a job is split into steps small enough to redo;
    # steps are claimed under a lease, so a crashed runner's step returns to the queue.
    db.execute(
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, "
        "params_json TEXT NOT NULL, priority INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL, "
        "stage INTEGER NOT NULL DEFAULT 0, state_json TEXT NOT NULL DEFAULT '{}', "
        "result_json TEXT NOT NULL DEFAULT '{}', error TEXT NOT NULL DEFAULT '', "
        "parent_id INTEGER, next_at REAL, created_at REAL NOT NULL, started_at REAL, "
        "finished_at REAL)")
    db.execute("CREATE INDEX jobs_status ON jobs (status, next_at)")
    db.execute(
        "CREATE TABLE job_steps (id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL "
        "REFERENCES jobs(id), stage INTEGER NOT NULL DEFAULT 0, idx INTEGER NOT NULL, "
        "priority INTEGER NOT NULL DEFAULT 0, model TEXT NOT NULL DEFAULT '', "
        "payload_json TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'queued', "
        "attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until REAL, "
        "result_json TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '', "
        "started_at REAL, finished_at REAL, duration_s REAL)")
    # The claim walks this index: queued steps, highest priority first, oldest job first.
    db.execute("CREATE INDEX job_steps_claim ON job_steps (status, priority DESC, job_id, id)")
    db.execute("CREATE INDEX job_steps_model ON job_steps (status, priority, model, job_id, id)")
    db.execute("CREATE INDEX job_steps_job ON job_steps (job_id, status)")
    db.execute("CREATE INDEX job_steps_lease ON job_steps (status, lease_until)")
    # Runners working the queue (pid and host), so a dead one's leases are reclaimed.
    db.execute(
        "CREATE TABLE job_runners (id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, "
        "started_at REAL NOT NULL, seen_at REAL NOT NULL)")


def _v14_activity(db: sqlite_utils.Database) -> None:
    # Activity stamps per Ingle process (memory/activity.py): the last input in the app,
    # interactive requests in flight and the last one's time, for the job runner's idle gate.
    db["activity"].create(
        {"id": str, "pid": int, "kind": str, "started_at": float, "closed_at": float,
         "last_input_at": float, "last_input_kind": str, "requests_in_flight": int,
         "last_request_at": float},
        pk="id",
    )


def _v15_best_of_picks(db: sqlite_utils.Database) -> None:
    # Best-of-N turns (core/agent/best_of.py): how many candidates were drawn at which
    # temperatures, each one's verdict, and which was kept and why.
    db["best_of_picks"].create(
        {"turn_id": str, "at": float, "candidates": int, "drawn": int, "kept": int,
         "kept_by": str, "reason": str, "temperatures": str, "verdicts": str},
        pk="turn_id",
    )


def _v16_eval_stars(db: sqlite_utils.Database) -> None:
    # Cases the user starred in the Evals pane, per suite (they outlive runs).
    db["eval_stars"].create({"suite": str, "case_id": str, "starred_at": float},
                            pk=("suite", "case_id"))


def _v17_memories_fts_by_persona(db: sqlite_utils.Database) -> None:
    # Memory search restricted to one persona inside FTS5 (memory/memory_search.py): each
    # persona gets a number, and a memory's FTS rowid is (number << 40) + its id, so one
    # persona's memories are one rowid range, which FTS5 seeks to: only that persona's
    # matches are scored. `size` counts a persona's rows (search plans by it). The FTS
    # table is contentless (the text stays in `memories`); its update trigger fires on
    # text and persona only: counting a memory's use must not re-index it.
    for trigger in ("memories_ai", "memories_ad", "memories_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS memories_fts")
    db.execute("CREATE TABLE memory_personas (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
               "size INTEGER NOT NULL DEFAULT 0)")
    db.execute("INSERT INTO memory_personas(name, size) "
               "SELECT persona, COUNT(*) FROM memories GROUP BY persona ORDER BY persona")
    db.execute("CREATE VIRTUAL TABLE memories_fts USING fts5(text, content='', "
               "tokenize='porter unicode61')")
    db.execute("INSERT INTO memories_fts(rowid, text) SELECT (p.id << 40) + m.id, m.text "
               "FROM memories m JOIN memory_personas p ON p.name = m.persona")

    def rowid(row: str) -> str:
        return f"((SELECT id FROM memory_personas WHERE name = {row}.persona) << 40) + {row}.id"

    add = ("INSERT OR IGNORE INTO memory_personas(name) VALUES (new.persona); "
           "UPDATE memory_personas SET size = size + 1 WHERE name = new.persona; "
           f"INSERT INTO memories_fts(rowid, text) VALUES ({rowid('new')}, new.text);")
    drop = ("INSERT INTO memories_fts(memories_fts, rowid, text) "
            f"VALUES ('delete', {rowid('old')}, old.text); "
            "UPDATE memory_personas SET size = size - 1 WHERE name = old.persona;")
    db.execute(f"CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN {add} END")
    db.execute(f"CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN {drop} END")
    db.execute("CREATE TRIGGER memories_au AFTER UPDATE OF text, persona ON memories "
               f"BEGIN {drop} {add} END")


def _v18_job_counts(db: sqlite_utils.Database) -> None:
    # Each job's step counts, kept by triggers (memory/jobs.py progress): counting a
    # 100k-step job's steps at every finished step cost the runner ~50 ms a step.
    for column in ("n_queued", "n_running", "n_done", "n_failed", "n_cancelled"):
        db.execute(f"ALTER TABLE jobs ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE jobs ADD COLUMN done_s REAL NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE jobs ADD COLUMN last_error TEXT NOT NULL DEFAULT ''")
    counts = ", ".join(f"n_{s} = (SELECT COUNT(*) FROM job_steps WHERE job_id = jobs.id AND "
                       f"status = '{s}')" for s in ("queued", "running", "done", "failed",
                                                   "cancelled"))
    db.execute(f"UPDATE jobs SET {counts}, done_s = (SELECT COALESCE(SUM(duration_s), 0) FROM "
               "job_steps WHERE job_id = jobs.id AND status = 'done'), last_error = COALESCE(("
               "SELECT error FROM job_steps WHERE job_id = jobs.id AND error != '' ORDER BY "
               "finished_at DESC LIMIT 1), '')")
    moves = ", ".join(f"n_{s} = n_{s} + (NEW.status = '{s}') - (OLD.status = '{s}')"
                      for s in ("queued", "running", "done", "failed", "cancelled"))
    # (New steps are counted by memory/jobs.py itself: a trigger per inserted row made
    # adding a 100k-step job take seconds.)
    db.execute(f"CREATE TRIGGER job_steps_moved AFTER UPDATE OF status ON job_steps "
               f"WHEN OLD.status != NEW.status BEGIN UPDATE jobs SET {moves}, done_s = done_s + "
               "CASE WHEN NEW.status = 'done' THEN COALESCE(NEW.duration_s, 0) ELSE 0 END - "
               "CASE WHEN OLD.status = 'done' THEN COALESCE(OLD.duration_s, 0) ELSE 0 END "
               "WHERE id = NEW.job_id; END")
    db.execute("CREATE TRIGGER job_steps_error AFTER UPDATE OF error ON job_steps "
               "WHEN NEW.error != '' AND NEW.error IS NOT OLD.error BEGIN "
               "UPDATE jobs SET last_error = NEW.error WHERE id = NEW.job_id; END")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _v1_calls_and_trust,
    _v2_repo_tags,
    _v3_turns,
    _v4_token_calibration,
    _v5_conversations,
    _v6_evals,
    _v7_memories,
    _v8_corrections,
    _v9_token_source,
    _v10_expenses,
    _v11_persona_versions,
    _v12_refine_candidates,
    _v13_jobs,
    _v14_activity,
    _v15_best_of_picks,
    _v16_eval_stars,
    _v17_memories_fts_by_persona,
    _v18_job_counts,
]
