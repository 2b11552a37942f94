"""The git layer of the agent turn: protect the user's work, commit Ingle's, undo, diff.

Importing this package does not import GitPython; that happens on first `open_repo`.
"""

from ingle.core.vcs.errors import DirtyFilesRefused, GitOperationError, NoIdentity, NothingToCommit
from ingle.core.vcs.messages import fallback_commit_message
from ingle.core.vcs.models import CommitInfo, Identity, UndoResult
from ingle.core.vcs.repo import DirtyPolicy, IngleRepo, init_repo, open_repo

__all__ = [
    "CommitInfo",
    "DirtyFilesRefused",
    "DirtyPolicy",
    "GitOperationError",
    "Identity",
    "IngleRepo",
    "NoIdentity",
    "NothingToCommit",
    "UndoResult",
    "fallback_commit_message",
    "init_repo",
    "open_repo",
]
