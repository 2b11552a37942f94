"""One git work tree as the agent turn sees it: files, their state, commits, undo, diffs.

`IngleRepo` is the plumbing (plumbing.py) plus the policy that writes history: protect
the user's work before a turn, commit Ingle's change, undo it (commits.py, undo.py, which
take the plumbing and never this module).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from ingle.core.vcs import commits, undo
from ingle.core.vcs.errors import DirtyFilesRefused, GitOperationError
from ingle.core.vcs.models import CommitInfo, UndoResult
from ingle.core.vcs.plumbing import GitTree, git_module

DirtyPolicy = Literal["commit", "refuse"]


def open_repo(path: str | os.PathLike[str]) -> IngleRepo | None:
    """The work tree containing `path`, or None when it is not inside one (or only a bare repo)."""
    git = git_module()
    where = Path(path).expanduser()
    if not where.exists():
        raise GitOperationError(f"{where} does not exist", "pass an existing directory")
    try:
        repo = git.Repo(where, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    return IngleRepo(repo)


def init_repo(path: str | os.PathLike[str]) -> IngleRepo:
    """`git init` in `path` (the user's init.defaultBranch and templates apply)."""
    git = git_module()
    where = Path(path).expanduser()
    try:
        return IngleRepo(git.Repo.init(where, mkdir=True))
    except (git.GitCommandError, OSError) as exc:
        raise GitOperationError(f"could not create a git repository in {where}: {exc}") from exc


class IngleRepo(GitTree):
    """The work tree with the history policy: what the turn, `ingle undo` and the app call."""

    # -- commits -----------------------------------------------------------------------

    def protect_user_changes(
        self, paths: Iterable[str | os.PathLike[str]], policy: DirtyPolicy
    ) -> CommitInfo | None:
        """Before a turn writes `paths`: commit the user's dirty work first, or refuse.

        Raises DirtyFilesRefused (policy "refuse") listing the dirty files."""
        wanted = list(paths)
        if policy == "refuse":
            dirty = self.dirty_files(wanted)
            if dirty:
                raise DirtyFilesRefused(sorted(dirty))
            return None
        return self.commit_user_changes(wanted)

    def commit_user_changes(
        self, paths: Iterable[str | os.PathLike[str]], message: str | None = None
    ) -> CommitInfo | None:
        """Commit the user's uncommitted work on `paths` as their own commit; None if clean."""
        return commits.commit_user_changes(self, [self.rel(p) for p in paths], message)

    def commit_ingle_change(
        self,
        paths: list[str],
        message: str,
        created: set[str],
        turn_id: str | None = None,
        saved_work: str | None = None,
    ) -> CommitInfo:
        """One commit for one successful turn, marked as Ingle's (see core.vcs.marks);
        `saved_work` is the commit of the user's work the turn made first, if any."""
        return commits.commit_ingle_change(
            self, [self.rel(p) for p in paths], message, {self.rel(p) for p in created}, turn_id,
            saved_work,
        )

    # -- undo --------------------------------------------------------------------------

    def undo_last(self) -> UndoResult:
        """Revert the last Ingle commit if it is HEAD, Ingle's and unpushed; else say why not."""
        return undo.undo_last(self)
