"""Undo of the last Ingle turn: allowed only for Ingle's own, unpushed commit at HEAD.

The commit is dropped from the branch (HEAD moves to its parent, checked against the sha
examined, so a concurrent change is never clobbered) and the paths it touched go back to
the parent's content in the index and the work tree; files the turn created are deleted.
Anything else the user has staged or changed is left as it was.

When the turn first committed the user's own uncommitted work (the commit is its parent
and the Ingle commit names it), undo drops that commit too and puts the work back as
uncommitted changes: the files as the user left them, the index and HEAD as before the
turn. Nothing of theirs is lost, and nothing stays committed that they did not commit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ingle.core.vcs.models import CommitInfo, UndoResult

if TYPE_CHECKING:
    from ingle.core.vcs.plumbing import GitTree

_REFLOG = "ingle: undo"


def undo_last(repo: GitTree) -> UndoResult:
    head = repo.head_sha()
    if head is None:
        return UndoResult.refused("this repository has no commits yet: nothing to undo")
    info = repo.commit_info(head)
    refusal = _refusal(repo, info)
    if refusal:
        return UndoResult.refused(refusal)
    changes = _changed_paths(repo, head)
    paths = [path for _, path in changes]
    in_the_way = sorted(repo.status(paths))
    if in_the_way:
        return UndoResult.refused(
            f"you have uncommitted changes in {', '.join(in_the_way)} that undo would "
            "overwrite; commit or stash them first, then undo"
        )
    parent = repo.parent_of(head)
    saved = _saved_work(repo, info, parent)
    if saved is not None:
        return _undo_with_saved_work(repo, info, saved, changes)
    if parent is None:  # the turn made the first commit: the branch goes back to unborn
        repo.run("rm", "--quiet", "--force", "--", *paths)
        repo.run("update-ref", "-m", _REFLOG, "-d", "HEAD", head)
    else:
        repo.run("update-ref", "-m", _REFLOG, "HEAD", parent, head)
        repo.run("restore", f"--source={parent}", "--staged", "--worktree", "--", *paths)
    return UndoResult(
        done=True,
        undone=info,
        head=parent[:7] if parent else "",
        restored=sorted(path for status, path in changes if status != "A"),
        removed=sorted(path for status, path in changes if status == "A"),
    )


def _refusal(repo: GitTree, info: CommitInfo) -> str | None:
    if not info.ingle:
        return _not_ingle(repo, info)
    busy = repo.operation_in_progress()
    if busy:
        return f"{busy} is in progress; finish or abort it with git before undoing"
    pushed = _remote_refs_containing(repo, info.sha) or _remotes_holding(repo, info.sha)
    if pushed:
        where = (
            f"is already pushed to {', '.join(pushed)}"
            if not any(p.startswith(("branch ", "tag ", "ref ")) for p in pushed)
            else f"is also in {', '.join(pushed)}, outside this branch"
        )
        return (
            f"{info.short_sha} ({info.subject}) {where}; undoing it would rewrite history "
            f"others may have. Use `git revert {info.short_sha}` instead"
        )
    if len(repo.commit_parents(info.sha)) > 1:
        return f"{info.short_sha} is a merge commit; Ingle only undoes its own single commits"
    if repo.parent_of(info.sha) is None and repo.is_detached():
        return (
            f"{info.short_sha} is the first commit and HEAD is detached; "
            "there is no earlier commit to go back to"
        )
    return None


def _not_ingle(repo: GitTree, info: CommitInfo) -> str:
    what = f"HEAD ({info.short_sha} {info.subject!r})"
    if info.turn_id is not None:
        return (
            f"{what} was made by Ingle but has since been rewritten (amend, rebase or "
            "cherry-pick) and may hold your own work; undo it with git if you mean to"
        )
    last = repo.last_ingle_commit()
    if last is None:
        return f"{what} is not an Ingle commit, and this branch has no Ingle commit to undo"
    on_top = repo.commits_since(last.sha)
    return (
        f"{what} is not an Ingle commit; the last Ingle commit, {last.short_sha}, has "
        f"{on_top} commit{'s' if on_top != 1 else ''} on top of it, and undo only reverts "
        "Ingle's commit while it is the latest"
    )


def _remote_refs_containing(repo: GitTree, sha: str) -> list[str]:
    """Every ref but the current branch that contains the commit: remote-tracking refs,
    tags, other branches, anything under refs/. Any of them may have been pushed (or
    be pushed), and dropping the commit from the branch would then rewrite what they hold."""
    out = repo.run("for-each-ref", "--contains", sha, "--format=%(refname)")
    branch = repo.run("symbolic-ref", "-q", "HEAD", check=False).strip()
    kinds = (("refs/remotes/", ""), ("refs/heads/", "branch "), ("refs/tags/", "tag "), ("refs/", "ref "))
    found = []
    for ref in out.split():
        if not ref or ref == branch or ref.endswith("/HEAD") or ref.startswith("refs/stash"):
            continue
        found.append(next(label + ref[len(prefix) :] for prefix, label in kinds if ref.startswith(prefix)))
    return found


def _remotes_holding(repo: GitTree, sha: str) -> list[str]:
    """A push by URL (`git push <url> main`) leaves no remote-tracking ref behind: ask each
    configured remote what its branches and tags point at. A remote that cannot be reached
    (offline, asks for a password) says nothing either way; the refs check above stands."""
    found = []
    for remote in repo.run("remote").split():
        status, out, _ = repo.run_status(
            "-c", "http.lowSpeedLimit=1", "-c", "http.lowSpeedTime=10",
            "ls-remote", "--heads", "--tags", remote,
            env={"GIT_TERMINAL_PROMPT": "0"} | (
                {} if "GIT_SSH_COMMAND" in os.environ
                else {"GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10"}
            ),
        )
        if status != 0:
            continue
        for line in out.splitlines():
            held, _, ref = line.partition("\t")
            if held == sha or _contains(repo, held, sha):
                found.append(f"{remote} ({ref})")
                break
    return found


def _contains(repo: GitTree, tip: str, sha: str) -> bool:
    """Does `tip` (when this repository has that commit) have `sha` in its history?"""
    status, _, _ = repo.run_status("merge-base", "--is-ancestor", sha, tip)
    return status == 0


def _changed_paths(repo: GitTree, sha: str) -> list[tuple[str, str]]:
    """(status letter, path) for each file the commit changed against its parent."""
    fields = repo.run(
        "diff-tree", "-r", "--root", "--no-renames", "--no-commit-id", "--name-status", "-z", sha
    ).split("\0")
    return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2) if fields[i]]


def _saved_work(repo: GitTree, info: CommitInfo, parent: str | None) -> str | None:
    """The commit of the user's work this turn made first, when undo may drop it too:
    the Ingle commit's parent, named by its trailer, a plain commit with a parent of its
    own, held by no other ref or remote."""
    saved = info.saved_work
    if not saved or parent is None or not parent.startswith(saved):
        return None
    if len(repo.commit_parents(parent)) != 1:
        return None
    if _remote_refs_containing(repo, parent) or _remotes_holding(repo, parent):
        return None
    return parent


def _undo_with_saved_work(
    repo: GitTree, info: CommitInfo, saved: str, ingle_changes: list[tuple[str, str]]
) -> UndoResult:
    before = repo.parent_of(saved)
    assert before is not None  # _saved_work checked it has one
    work = [path for _, path in _changed_paths(repo, saved)]
    in_the_way = sorted(repo.status(work))
    if in_the_way:
        return UndoResult.refused(
            f"you have uncommitted changes in {', '.join(in_the_way)} that undo would "
            "overwrite; commit or stash them first, then undo"
        )
    ingle = [path for _, path in ingle_changes]
    paths = sorted({*ingle, *work})
    in_saved = set(repo.run("ls-tree", "-r", "-z", "--name-only", saved, "--", *paths).split("\0")) - {""}
    repo.run("update-ref", "-m", _REFLOG, "HEAD", before, info.sha)
    # The index as before the turn; the files as the user had them (their work, uncommitted).
    repo.run("restore", f"--source={before}", "--staged", "--", *paths)
    if in_saved:
        repo.run("restore", f"--source={saved}", "--worktree", "--", *sorted(in_saved))
    for path in paths:
        if path not in in_saved:  # created by the turn, or deleted by the user
            (repo.root / path).unlink(missing_ok=True)
    return UndoResult(
        done=True,
        undone=info,
        head=before[:7],
        restored=sorted(p for status, p in ingle_changes if status != "A"),
        removed=sorted(p for status, p in ingle_changes if status == "A"),
        unsaved=sorted(work),
    )
