"""The data that flows through edit handling: parsed blocks, per-block outcomes, the plan.

Every value here crosses a boundary (parser -> planner -> agent turn -> events), so
they are pydantic models; blocks and outcomes are frozen because nothing downstream
should rewrite what the model said or what the planner decided.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EditKind = Literal["search_replace", "whole_file", "new_file"]

# How a block was applied; the agent turn reports it in `EditApplied.step`.
ApplyStep = Literal[
    "exact", "whitespace", "indentation", "elision", "other_file", "new_file", "whole_file",
    "illustration",  # fenced code of an existing file beside SEARCH/REPLACE blocks: left out
]

# Why a block was refused. Stable codes so callers can branch (e.g. offer to add
# files on "not_in_chat") without parsing the human text.
RefusalCode = Literal[
    "malformed",  # the parser could not read the block completely
    "bad_path",  # empty, control characters, not a file path
    "absolute_path",
    "parent_traversal",  # a `..` component
    "outside_repo",  # resolves (through a symlink) outside the repository
    "git_dir",  # inside .git
    "is_directory",
    "binary_file",
    "not_in_chat",  # an existing file the user has not added to the chat
    "new_file_not_allowed",
    "file_exists",  # empty SEARCH (create) for a file that already has content
    "no_match",
    "ambiguous_match",
    "overlaps_earlier_block",  # matched the original, but an earlier block changed it
    "unpaired_elision",  # `...` in SEARCH and REPLACE that do not line up
    "elided_replace",  # REPLACE says "existing code here" instead of the code
    "whole_file_elided",  # whole-file reply with "# ... rest unchanged" comments
    "whole_file_truncated",  # whole-file reply far shorter than the file it replaces
]


class EditBlock(BaseModel):
    """One edit the model proposed, exactly as the reply gave it (nothing validated yet)."""

    model_config = ConfigDict(frozen=True)

    # The path as written, with markdown decoration (backticks, bold, quotes, a trailing
    # colon) removed. Still untrusted: `core.edits.paths` decides what it may touch.
    path: str
    search: str
    replace: str
    kind: EditKind
    line: int  # 1-based line of the reply where the block starts
    # Set when the parser saw a block it could not read completely (cut-off reply,
    # missing `=======`); the planner refuses such a block so the turn fails loudly.
    problem: str | None = None
    # A fenced file beside SEARCH/REPLACE blocks: it creates that file with the other
    # edits, but is only an illustration (left out) when the file already exists.
    only_new: bool = False


class ParseWarning(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    message: str


class ParsedReply(BaseModel):
    edits: list[EditBlock] = Field(default_factory=list)
    # Fenced bash/sh/shell/console blocks: suggestions, run only after approval.
    shell_commands: list[str] = Field(default_factory=list)
    # Repository-looking paths named in the prose (not in code), in order of mention.
    mentioned_paths: list[str] = Field(default_factory=list)
    warnings: list[ParseWarning] = Field(default_factory=list)


class BlockOutcome(BaseModel):
    """What happened to one block."""

    model_config = ConfigDict(frozen=True)

    index: int  # 0-based position in the edits list
    line: int  # reply line of the block
    path: str  # as the model wrote it
    applied: bool
    # The repo-relative file the block changed (or would have), when known. With step
    # "other_file" this differs from `path`.
    file: str | None = None
    step: ApplyStep | None = None
    refusal: RefusalCode | None = None
    reason: str = ""  # human text: why refused, or a note on how it applied
    closest: str | None = None  # the nearest lines actually in the file, for no_match


class EditPlan(BaseModel):
    """The result of applying a reply's edits in memory. Nothing is written yet."""

    ok: bool
    # Full new text of every file the edits change (empty unless ok: a failed plan
    # must never be written, not even partly).
    new_contents: dict[str, str] = Field(default_factory=dict)
    created: set[str] = Field(default_factory=set)
    outcomes: list[BlockOutcome] = Field(default_factory=list)
    # Existing repository files the reply tried to edit without them being in the chat.
    not_in_chat: set[str] = Field(default_factory=set)
    # For the model, when not ok: which blocks failed, where, why, what is really there.
    failure_message: str = ""
