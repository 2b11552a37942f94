"""Plain results of git operations, handed to the agent turn, the CLI and the TUI."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Identity(BaseModel):
    """Who a commit is by. `configured` is False when git config had no user.name/email
    and a fallback is used for that commit only (never written to any config)."""

    model_config = ConfigDict(frozen=True)

    name: str
    email: str
    configured: bool = True

    def env(self) -> dict[str, str]:
        """The environment that makes one `git commit` use this identity, author and committer."""
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


class CommitInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha: str
    short_sha: str
    subject: str
    author: str  # "Name <email>"
    files: list[str] = Field(default_factory=list)
    ingle: bool = False  # made by an Ingle turn (trailer and committer mark both present)
    turn_id: str | None = None
    created: list[str] = Field(default_factory=list)  # files the turn created
    saved_work: str | None = None  # the commit of the user's uncommitted work the turn made first


class UndoResult(BaseModel):
    """Either `done` with what changed, or not done with `reason` saying why not."""

    model_config = ConfigDict(frozen=True)

    done: bool
    reason: str = ""
    undone: CommitInfo | None = None
    head: str = ""  # short sha HEAD points at afterwards ("" when the branch has no commits left)
    restored: list[str] = Field(default_factory=list)  # back to their content before the turn
    removed: list[str] = Field(default_factory=list)  # created by the turn, now deleted
    # The user's uncommitted work the turn had committed first: back as uncommitted changes.
    unsaved: list[str] = Field(default_factory=list)

    @classmethod
    def refused(cls, reason: str) -> UndoResult:
        return cls(done=False, reason=reason)
