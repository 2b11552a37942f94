"""How an Ingle commit is marked and recognised.

Two marks, both required: an `Ingle-Turn: <id>` trailer in the message, and a committer
name ending in " (ingle)". The trailer survives `git commit --amend` and rebases but the
committer does not (git re-stamps it with the user's identity), so a commit the user has
rewritten, and may have put their own work into, is no longer treated as Ingle's to undo.
"""

from __future__ import annotations

import re

TURN_TRAILER = "Ingle-Turn"
CREATED_TRAILER = "Ingle-Created"
# The user's own commit this turn made first, of their uncommitted work (undo restores
# that work as uncommitted changes again).
SAVED_TRAILER = "Ingle-Saved-Work"
COMMITTER_SUFFIX = " (ingle)"

_TRAILER_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]*):\s?(.*)$")


def ingle_name(user_name: str) -> str:
    return f"{user_name}{COMMITTER_SUFFIX}"


def add_trailers(message: str, trailers: list[tuple[str, str]]) -> str:
    """Append trailers to a message, joining an existing trailer block if it ends in one."""
    body = message.strip()
    lines = [f"{key}: {value}" for key, value in trailers if "\n" not in value]
    if not lines:
        return body + "\n"
    last_paragraph = body.rsplit("\n\n", 1)[-1]
    joins_block = "\n\n" in body and all(
        _TRAILER_LINE.match(line) for line in last_paragraph.splitlines()
    )
    separator = "\n" if joins_block else "\n\n"
    return body + separator + "\n".join(lines) + "\n"


def read_trailers(message: str) -> list[tuple[str, str]]:
    """The trailers of the message's last paragraph, in order (empty if it is not one)."""
    body = message.strip()
    if "\n\n" not in body:
        return []
    pairs = []
    for line in body.rsplit("\n\n", 1)[-1].splitlines():
        match = _TRAILER_LINE.match(line)
        if match is None:
            return []
        pairs.append((match.group(1), match.group(2).strip()))
    return pairs


def turn_id_of(message: str) -> str | None:
    for key, value in read_trailers(message):
        if key.lower() == TURN_TRAILER.lower() and value:
            return value
    return None


def created_files_of(message: str) -> list[str]:
    return [v for k, v in read_trailers(message) if k.lower() == CREATED_TRAILER.lower()]


def saved_work_of(message: str) -> str | None:
    return next((v for k, v in read_trailers(message) if k.lower() == SAVED_TRAILER.lower() and v), None)


def is_ingle_commit(message: str, committer_name: str) -> bool:
    return turn_id_of(message) is not None and committer_name.endswith(COMMITTER_SUFFIX)
