"""Making the two kinds of commit a turn needs: the user's own (saving their uncommitted
work before Ingle touches it) and Ingle's (one per successful turn, marked).

Both commit only the named paths (`git commit -- paths`), so whatever else the user has
staged stays staged and out of the commit. No hook runs (IngleRepo.run points
core.hooksPath at nothing): a pre-commit hook must not block saving the user's work nor
rewrite Ingle's gated edit, and a hook file the model wrote must never run.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ingle.core.vcs.errors import GitOperationError, NoIdentity, NothingToCommit
from ingle.core.vcs.identity import ingle_identity
from ingle.core.vcs.marks import CREATED_TRAILER, SAVED_TRAILER, TURN_TRAILER, add_trailers
from ingle.core.vcs.models import CommitInfo

if TYPE_CHECKING:
    from ingle.core.vcs.plumbing import GitTree

USER_WIP_MESSAGE = "wip: save uncommitted changes before Ingle edit"


def commit_user_changes(
    repo: GitTree, paths: list[str], message: str | None = None
) -> CommitInfo | None:
    _ensure_can_commit(repo)
    status = repo.status(paths)
    dirty = sorted(path for path, code in status.items() if code != "!!")
    if not dirty:
        return None
    if not repo.user_identity().configured:
        # The user's own work under Ingle's name (or a guess) would be a lie in their history.
        raise NoIdentity(dirty)
    _commit(repo, status, dirty, message or USER_WIP_MESSAGE, {})
    return repo.commit_info("HEAD")


def commit_ingle_change(
    repo: GitTree,
    paths: list[str],
    message: str,
    created: set[str],
    turn_id: str | None = None,
    saved_work: str | None = None,
) -> CommitInfo:
    if not message.strip():
        raise GitOperationError(
            "an Ingle commit needs a message", "use fallback_commit_message() when none was made"
        )
    _ensure_can_commit(repo)
    status = repo.status(paths)
    ignored = sorted(path for path, code in status.items() if code == "!!")
    if ignored:
        raise GitOperationError(
            "git ignores " + ", ".join(ignored) + ", so Ingle cannot commit (or later undo) "
            "the edit to it",
            "check IngleRepo.ignored_files() before writing, or un-ignore the file",
        )
    changed = sorted(status)
    if not changed:
        raise NothingToCommit(paths)
    trailers = [(TURN_TRAILER, turn_id or uuid.uuid4().hex[:12])]
    trailers += [(CREATED_TRAILER, path) for path in sorted(created)]
    if saved_work:
        trailers.append((SAVED_TRAILER, saved_work))
    identity = ingle_identity(repo.user_identity())
    _commit(repo, status, changed, add_trailers(message, trailers), identity.env())
    return repo.commit_info("HEAD")


def _commit(
    repo: GitTree, status: dict[str, str], paths: list[str], message: str, env: dict[str, str]
) -> None:
    new = [path for path in paths if status.get(path) == "??"]
    if new:  # `git commit -- path` only takes paths git already knows
        repo.run("add", "--", *new)
    repo.run(
        "commit",
        "--no-verify",
        "--cleanup=whitespace",
        "--quiet",
        "-m",
        message,
        "--",
        *paths,
        env=env,
    )


def _ensure_can_commit(repo: GitTree) -> None:
    busy = repo.operation_in_progress()
    if busy:
        raise GitOperationError(
            f"{busy} is in progress in {repo.root}, so Ingle will not commit now",
            "finish it (or abort it) with git, then run the turn again",
        )
