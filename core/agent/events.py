"""Typed events for every step of an agent turn.

The engine yields these; front ends consume them: batch mode prints them as text
or NDJSON (`--json`), the TUI renders them, the MCP server summarises them. No
front end is imported here and nothing in the engine prints.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from ingle.core.backends.types import Usage


class _Event(BaseModel):
    turn_id: str = ""


class TurnStarted(_Event):
    type: Literal["turn_started"] = "turn_started"
    instruction: str
    persona: str
    mode: Literal["code", "ask"]
    files: list[str]


class AttemptStarted(_Event):
    """One model call within the turn's attempt budget (first try, repair or climb)."""

    type: Literal["attempt_started"] = "attempt_started"
    attempt: int
    rung: int
    endpoint: str
    model: str
    think: str
    reason: str  # "first attempt", "edits did not apply", "gate python failed", ...


class ContextPrepared(_Event):
    type: Literal["context_prepared"] = "context_prepared"
    num_ctx: int
    # section -> estimated tokens (system, examples, instructions, repo_map, files, history, ...)
    sections: dict[str, int]
    decisions: list[str] = Field(default_factory=list)


class ThinkingText(_Event):
    type: Literal["thinking"] = "thinking"
    text: str


class AnswerText(_Event):
    type: Literal["text"] = "text"
    text: str


class ModelFinished(_Event):
    type: Literal["model_finished"] = "model_finished"
    usage: Usage


class EditApplied(_Event):
    type: Literal["edit_applied"] = "edit_applied"
    path: str
    step: str  # exact, whitespace, indentation, elision, other_file, new_file, whole_file
    diff: str = ""


class EditRefused(_Event):
    type: Literal["edit_refused"] = "edit_refused"
    path: str
    reason: str


class FilesRequested(_Event):
    """The reply named repository files that were not in the chat."""

    type: Literal["files_requested"] = "files_requested"
    paths: list[str]
    added: bool


class GateRan(_Event):
    type: Literal["gate_ran"] = "gate_ran"
    gate: str
    status: str  # passed, failed, not_applicable, could_not_run
    summary: str
    diagnostics: list[dict[str, Any]] = Field(default_factory=list)  # what the change introduced
    # Errors the original files had too: shown, never blocking.
    already_there: list[dict[str, Any]] = Field(default_factory=list)
    duration_s: float = 0.0


class TestsRan(_Event):
    """The repository's own tests, run on the candidate after the gates passed."""

    type: Literal["tests_ran"] = "tests_ran"
    status: str  # passed, failed, error, timed_out, could_not_run
    command: str
    summary: str
    failures: list[dict[str, Any]] = Field(default_factory=list)
    duration_s: float = 0.0
    failed_before: list[str] = Field(default_factory=list)  # failing on the original files too
    blocking: bool = False  # whether these results stop the edit from landing


class RepairRequested(_Event):
    """What goes back to the model after a failure, verbatim."""

    type: Literal["repair_requested"] = "repair_requested"
    reason: str
    message: str


class ShellSuggested(_Event):
    type: Literal["shell_suggested"] = "shell_suggested"
    commands: list[str]


class ShellRan(_Event):
    type: Literal["shell_ran"] = "shell_ran"
    command: str
    exit_code: int
    output: str


class UserChangesSaved(_Event):
    """The user's uncommitted work in files the turn edits, committed first as theirs."""

    type: Literal["user_changes_saved"] = "user_changes_saved"
    commit: str
    files: list[str]


class Committed(_Event):
    type: Literal["committed"] = "committed"
    commit: str
    message: str
    files: list[str]


class Notice(_Event):
    type: Literal["notice"] = "notice"
    level: Literal["info", "warning", "error"] = "info"
    message: str


class TurnFinished(_Event):
    type: Literal["turn_finished"] = "turn_finished"
    ok: bool
    # ok: "committed", "applied" (--no-commit), "answered" (ask mode or a question),
    # "commands_suggested" (a reply of shell commands only).
    # not ok: "no_edit" (a code request never got an edit), "edits_failed", "gates_failed",
    # "tests_failed", "refused", "model_error", "server_unreachable", "timeout",
    # "context_overflow". `error` is then a summary for the person: what failed, that
    # nothing was written, what to try.
    outcome: str
    files_changed: list[str] = Field(default_factory=list)
    commit: str | None = None
    # The model the next turn starts with (the persona's, or the one the person chose),
    # for the status bar after a turn that climbed.
    next_model: str = ""
    prompt_tokens: int = 0
    output_tokens: int = 0
    thinking_tokens: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0
    error: str = ""
    tokens_estimated: bool = False  # some call had no usage from its server


TurnEvent = Annotated[
    TurnStarted
    | AttemptStarted
    | ContextPrepared
    | ThinkingText
    | AnswerText
    | ModelFinished
    | EditApplied
    | EditRefused
    | FilesRequested
    | GateRan
    | TestsRan
    | RepairRequested
    | ShellSuggested
    | ShellRan
    | UserChangesSaved
    | Committed
    | Notice
    | TurnFinished,
    Field(discriminator="type"),
]
