"""The end of a successful turn: approval, the user's work protected, an atomic write,
the commit, then any shell commands the model suggested (each approved first)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from ingle.core.agent.approvals import ApprovalRequest, refusal_of
from ingle.core.backends.errors import BackendError
from ingle.core.edits.diffs import unified_diff
from ingle.core.edits.writing import WriteFailed, write_atomically
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
    # The user may have saved a file while the model was answering: never overwrite that.
    for rel in paths:
        if read_text_file(deps.root / rel) != state.originals.get(rel):
            yield finish(
                False, "refused",
                error=f"{rel} changed on disk during the turn; nothing was written. Ask again.",
            )
            return
    commit = options.commit and deps.repo is not None
    message = ""
    if commit:
        try:
            ignored = deps.repo.ignored_files(paths)
            if ignored:
                raise GitOperationError(
                    f"git ignores {', '.join(sorted(ignored))}, so the edit could not be committed "
                    "or undone", "un-ignore the file or use --no-commit",
                )
            saved = deps.repo.protect_user_changes(paths, deps.settings.git.dirty_files)
        except GitOperationError as exc:
            yield finish(False, "refused", error=str(exc))
            return
        if saved is not None:
            yield UserChangesSaved(turn_id=turn_id, commit=saved.sha, files=saved.files)
        message = await commit_message(deps, instruction, paths, diff)
    try:
        write_atomically(deps.root, changed)
    except WriteFailed as exc:  # every file is back as it was: say so and stop
        yield finish(False, "refused", error=f"{exc}\nNothing was written.")
        return
    commit_sha = None
    if commit:
        try:
            info = deps.repo.commit_ingle_change(paths, message, state.created, turn_id)
        except GitOperationError as exc:
            yield Notice(turn_id=turn_id, level="error", message=f"written but not committed: {exc}")
        else:
            commit_sha = info.sha
            yield Committed(turn_id=turn_id, commit=info.sha, message=message, files=info.files)
    async for event in offer_shell(deps, state, turn_id, options):
        yield event
    yield finish(True, "committed" if commit_sha else "applied", files_changed=paths, commit=commit_sha)


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
