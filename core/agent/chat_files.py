"""The files in a conversation's chat: added and dropped by repository-relative path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ingle.core.agent.chat_session import ChatSession
from ingle.core.agent.errors import EngineError


def add_chat_files(session: ChatSession, root: Path, paths: Sequence[str]) -> list[str]:
    """Add repository files to the chat; returns those added. A path outside the
    repository or not a file raises EngineError naming it."""
    added = []
    for raw in paths:
        rel = repo_relative(root, raw)
        if not (root / rel).is_file():
            raise EngineError(f"{raw}: no such file in {root}")
        if rel not in session.chat_files:
            session.chat_files.append(rel)
            added.append(rel)
    return added


def drop_chat_files(session: ChatSession, root: Path, paths: Sequence[str]) -> list[str]:
    dropped = []
    for raw in paths:
        rel = repo_relative(root, raw)
        if rel in session.chat_files:
            session.chat_files.remove(rel)
            dropped.append(rel)
    return dropped


def repo_relative(root: Path, raw: str) -> str:
    path = Path(raw).expanduser()
    absolute = path if path.is_absolute() else root / path
    try:
        return absolute.resolve().relative_to(root).as_posix()
    except ValueError as exc:
        raise EngineError(f"{raw} is outside the repository {root}") from exc
