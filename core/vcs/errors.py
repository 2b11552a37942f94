"""Git failures a person can act on: `message` says what happened, `hint` what to do."""

from __future__ import annotations

from ingle.core.errors import IngleError


class GitOperationError(IngleError):
    """A git step Ingle needed could not be done; nothing was lost."""


class DirtyFilesRefused(GitOperationError):
    """`git.dirty_files = "refuse"` and the turn would touch files with uncommitted changes."""

    def __init__(self, files: list[str]) -> None:
        self.files = sorted(files)
        super().__init__(
            'these files have uncommitted changes, and git.dirty_files is "refuse": '
            + ", ".join(self.files),
            'commit or stash them yourself, or set git.dirty_files = "commit" to let Ingle '
            "commit them first as your own commit",
        )


class NoIdentity(GitOperationError):
    """Git has no name and email for the user: their work is never committed under
    another name (Ingle's, or a guess)."""

    def __init__(self, files: list[str]) -> None:
        self.files = sorted(files)
        named = ", ".join(self.files[:5]) + (f" and {len(self.files) - 5} more" if len(self.files) > 5 else "")
        what = f"your uncommitted changes to {named}" if self.files else "your changes"
        super().__init__(
            f"git does not know who you are (user.name and user.email are not set), so Ingle "
            f"will not commit {what} under another name; nothing was written",
            'tell git once: git config --global user.name "Your Name" && '
            "git config --global user.email you@example.com (or commit or stash those "
            "changes yourself), then ask again",
        )


class NothingToCommit(GitOperationError):
    def __init__(self, paths: list[str]) -> None:
        super().__init__(
            "nothing to commit: none of these files changed: " + ", ".join(sorted(paths)),
            "only call for a turn whose edits were written",
        )
