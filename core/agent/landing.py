"""The end of a successful turn: approval, the user's work protected, an atomic write,
the commit, then any shell commands the model suggested (each approved first)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from ingle.core.agent.approvals import ApprovalRequest, refusal_of
from ingle.core.backends.errors import BackendError
from ingle.core.edits.diffs import unified_diff
from ingle.core.agent import landing_journal
from ingle.core.edits.writing import ChangedOnDisk, WriteFailed, write_atomically
from ingle.core.agent.events import (
    Committed,
    Notice,
    ShellRan,
    ShellSuggested,
    TurnEvent,
    TurnFinished,
    UserChangesSaved,
)
from ingle.core.agent.shell import run_shell_command
from ingle.core.agent.turn_types import TurnDeps, TurnOptions, TurnState, read_text_file
from ingle.core.vcs import GitOperationError, fallback_commit_message

Finish = Callable[..., TurnFinished]


async def land(
    deps: TurnDeps, state: TurnState, instruction: str, turn_id: str, options: TurnOptions,
    finish: Finish,
) -> AsyncIterator[TurnEvent]:
    """Approve, protect the user's work, write atomically, commit, then offer commands."""
    changed = state.changed()
    paths = sorted(changed)
    if not changed:
        yield Notice(turn_id=turn_id, message="the edits left every file as it was")
        yield finish(True, "answered")
        return
    diff = "\n".join(unified_diff(p, state.originals.get(p, ""), changed[p]) for p in paths)
    if not await deps.approver.approve(
        ApprovalRequest(kind="apply_edits", summary=f"apply edits to {len(paths)} file(s)", detail=diff)
    ):
        yield finish(False, "refused", error=refusal_of(deps.approver))
        return
    commit = options.commit and deps.repo is not None
    # The message is asked for before the final check: a save made while the model writes
    # it must be seen by that check, never overwritten.
    message = await commit_message(deps, instruction, paths, diff) if commit else ""
    lock = deps.repo.landing_lock() if deps.repo is not None else None
    if lock is not None:  # one landing per work tree at a time, across processes
        await asyncio.to_thread(lock.acquire)
    try:
        outcome = _land_locked(deps, state, turn_id, changed, message, commit)
    finally:
        if lock is not None:
            lock.release()
    for event in outcome.events:
        yield event
    if outcome.refusal is not None:
        yield finish(False, outcome.refusal[0], error=outcome.refusal[1])
        return
    async for event in offer_shell(deps, state, turn_id, options):
        yield event
    yield finish(
        True, "committed" if outcome.commit_sha else "applied", files_changed=paths,
        commit=outcome.commit_sha,
    )


@dataclass
class _Landed:
    events: list[TurnEvent] = field(default_factory=list)
    refusal: tuple[str, str] | None = None  # (outcome, error)
    commit_sha: str | None = None
    saved_work: str | None = None  # the user's work committed first (undo restores it)

    def refuse(self, outcome: str, error: str) -> _Landed:
        self.refusal = (outcome, error)
        return self


def _land_locked(
    deps: TurnDeps, state: TurnState, turn_id: str, changed: dict[str, str], message: str,
    commit: bool,
) -> _Landed:
    """Under the landing lock: check, protect the user's work, journal, write, commit."""
    landed = _Landed()
    paths = sorted(changed)
    repo = deps.repo
    if repo is not None:
        for notice in landing_journal.recover(repo):
            landed.events.append(Notice(turn_id=turn_id, level="warning", message=notice))
    # The user may have saved a file (or another Ingle landed) since the turn read it.
    for rel in paths:
        if read_text_file(deps.root / rel) != state.originals.get(rel):
            return landed.refuse(
                "refused", f"{rel} changed on disk during the turn; nothing was written. Ask again.",
            )
    if commit and repo is not None:
        try:
            blocked = repo.uncommittable(paths)
            if blocked:
                raise GitOperationError(
                    "the edit could not be committed or undone: "
                    + "; ".join(f"{p}: {why}" for p, why in sorted(blocked.items())),
                    "un-ignore the file, edit it in its own repository, or use --no-commit",
                )
            saved = repo.protect_user_changes(paths, deps.settings.git.dirty_files)
        except GitOperationError as exc:
            return landed.refuse("refused", str(exc))
        if saved is not None:
            landed.events.append(UserChangesSaved(turn_id=turn_id, commit=saved.sha, files=saved.files))
            landed.saved_work = saved.sha
    journal = landing_journal.begin(repo, turn_id, state.originals, changed) if repo else None
    try:
        write_atomically(deps.root, changed, expected=state.originals)
    except WriteFailed as exc:  # every file is back as it was: say so and stop
        if repo is not None:
            landing_journal.end(repo)
        text = str(exc) if isinstance(exc, ChangedOnDisk) else f"{exc}\nNothing was written."
        return landed.refuse("refused", text)
    if commit and repo is not None and journal is not None:
        try:
            info = repo.commit_ingle_change(paths, message, state.created, turn_id, landed.saved_work)
        except GitOperationError as exc:
            restored, kept = landing_journal.roll_back(repo, journal)
            landing_journal.end(repo)
            what = "the files were put back as they were" if not kept else (
                f"{', '.join(kept)} changed meanwhile and {'were' if len(kept) > 1 else 'was'} left as is"
            )
            return landed.refuse("not_committed", f"not committed: {exc}; {what}")
        landing_journal.end(repo)
        landed.commit_sha = info.sha
        landed.events.append(Committed(turn_id=turn_id, commit=info.sha, message=message, files=info.files))
    elif repo is not None:
        landing_journal.end(repo)
    return landed


async def commit_message(deps: TurnDeps, instruction: str, paths: list[str], diff: str) -> str:
    if deps.commit_message is not None:
        try:
            message = await deps.commit_message(instruction, paths, diff)
        except (BackendError, TimeoutError, ValueError):
            message = ""
        if message.strip():
            return message
    return fallback_commit_message(instruction, paths)


async def offer_shell(
    deps: TurnDeps, state: TurnState, turn_id: str, options: TurnOptions
) -> AsyncIterator[TurnEvent]:
    if not state.shell_commands:
        return
    yield ShellSuggested(turn_id=turn_id, commands=list(state.shell_commands))
    if not options.run_suggested_shell:
        return
    for command in state.shell_commands:
        if await deps.approver.approve(
            ApprovalRequest(kind="run_shell", summary=f"run `{command.splitlines()[0]}`", detail=command)
        ):
            result = await run_shell_command(command, deps.root)
            yield ShellRan(turn_id=turn_id, command=command, exit_code=result.exit_code, output=result.output)
