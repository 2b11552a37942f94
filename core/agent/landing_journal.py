"""A note written before a turn's files are written, removed once they are committed.

A crash (or kill) between the write and the commit would leave the model's edit in the
tree looking like the user's own work: the next turn would commit it as the user's "wip".
A crash inside the atomic write leaves `.name.ingle-*.tmp`/`.bak` files beside the targets.
The journal (in the git directory, never in the tree) names the turn, each file's
original text and a hash of what was written, so the next start can tell what happened:
committed (drop the note), written but not committed (put the originals back, unless the
user has changed the file since), and clean up the leftovers either way.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ingle.core.vcs import IngleRepo
from ingle.core.vcs.marks import TURN_TRAILER

JOURNAL_NAME = "ingle-landing.json"
_LEFTOVER_SUFFIXES = (".tmp", ".bak", ".restore")


class JournalFile(BaseModel):
    original: str | None  # None: the turn creates the file
    written_sha256: str


class LandingJournal(BaseModel):
    turn_id: str
    files: dict[str, JournalFile]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def begin(repo: IngleRepo, turn_id: str, originals: Mapping[str, str],
          changed: Mapping[str, str]) -> LandingJournal:
    """Write the note (durably) before any file of the turn is touched."""
    journal = LandingJournal(
        turn_id=turn_id,
        files={
            rel: JournalFile(original=originals.get(rel), written_sha256=_digest(text.encode("utf-8")))
            for rel, text in changed.items()
        },
    )
    path = repo.state_file(JOURNAL_NAME)
    temp = path.with_name(f"{JOURNAL_NAME}.{secrets.token_hex(4)}.tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(journal.model_dump_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return journal


def end(repo: IngleRepo) -> None:
    try:
        os.unlink(repo.state_file(JOURNAL_NAME))
    except FileNotFoundError:
        pass


def roll_back(repo: IngleRepo, journal: LandingJournal) -> tuple[list[str], list[str]]:
    """Put back each file that still holds what the turn wrote. Returns (restored, kept):
    kept are files changed since (by the user), left as they are."""
    restored: list[str] = []
    kept: list[str] = []
    for rel, entry in sorted(journal.files.items()):
        target = Path(os.path.realpath(repo.root / rel))
        try:
            now = target.read_bytes() if os.path.lexists(target) else None
        except OSError:
            now = None
        original = entry.original.encode("utf-8") if entry.original is not None else None
        if now == original:
            continue  # never written, or already back
        if now is None or _digest(now) != entry.written_sha256:
            kept.append(rel)
            continue
        if original is None:
            os.unlink(target)
            _remove_empty_parents(target.parent, Path(os.path.realpath(repo.root)))
        else:
            _put_back(target, original)
        restored.append(rel)
    _clean_leftovers(repo.root, journal)
    return restored, kept


def recover(repo: IngleRepo) -> list[str]:
    """At start: finish what an interrupted landing left. Notices for the person."""
    path = repo.state_file(JOURNAL_NAME)
    if not path.exists():
        return []
    try:
        journal = LandingJournal.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        end(repo)
        return [f"an unreadable landing note {path} was removed"]
    if _committed(repo, journal.turn_id):
        _clean_leftovers(repo.root, journal)  # committed: only the note was left
        end(repo)
        return []
    restored, kept = roll_back(repo, journal)
    end(repo)
    notices = []
    if restored:
        notices.append(
            f"an interrupted Ingle turn had written {', '.join(restored)} without committing; "
            "put back as it was before that turn"
        )
    if kept:
        notices.append(
            f"an interrupted Ingle turn had written {', '.join(kept)}; changed since, so left as it is"
        )
    return notices


def _committed(repo: IngleRepo, turn_id: str) -> bool:
    """Did the turn's commit get made (the crash came after it), even with commits on top?"""
    if f"{TURN_TRAILER}: {turn_id}" in repo.head_message():
        return True
    status, out, _ = repo.run_status(
        "log", "--max-count=1", "--format=%H", "-F", f"--grep={TURN_TRAILER}: {turn_id}", "HEAD"
    )
    return status == 0 and bool(out.strip())


def _remove_empty_parents(directory: Path, root: Path) -> None:
    """Directories made for a new file go with it (only while empty)."""
    while directory != root and directory.is_relative_to(root):
        try:
            os.rmdir(directory)
        except OSError:
            return  # not empty: something else lives there
        directory = directory.parent


def _put_back(target: Path, data: bytes) -> None:
    mode = stat.S_IMODE(os.stat(target).st_mode)
    temp = target.with_name(f".{target.name}.ingle-{secrets.token_hex(4)}.restore")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, target)


def _clean_leftovers(root: Path, journal: LandingJournal) -> None:
    """Temp, backup and restore files the atomic write leaves beside a target on a crash."""
    for rel in journal.files:
        target = Path(os.path.realpath(root / rel))
        try:
            names = os.listdir(target.parent)
        except OSError:
            continue
        prefix = f".{target.name}.ingle-"
        for name in names:
            if name.startswith(prefix) and name.endswith(_LEFTOVER_SUFFIXES):
                try:
                    os.unlink(target.parent / name)
                except OSError:
                    pass  # gone already or not ours to delete
