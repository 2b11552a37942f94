"""Writing a turn's files all together or not at all.

Two phases. Prepare: for every file, check the path once more (defence in depth: only
planned, repo-relative paths should get here), read the original to keep its line
endings, final newline, byte-order mark and mode, write the new bytes to a temp file
beside it and fsync it, and keep a hard link to the original as a backup. Nothing the
user can see has changed yet, and most failures (permissions, disk full, a directory
where a file should be) happen here. Commit: `os.replace` each temp over its file.
If one of those fails, every file already replaced is put back from its backup (new
files are removed, directories made for them too), so the tree is never left
half-written. Symlinks inside the repository are written through, not replaced.

With `expected` (the text each file had when the turn read it; absent: the file must not
exist), every file is compared with it while preparing and again right before its
replace: a save the user made meanwhile stops the whole write (ChangedOnDisk), and the
save is kept.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ingle.core.errors import IngleError
from ingle.core.edits.newlines import apply_style, style_of_bytes
from ingle.core.edits.paths import check_containment, normalise

_BOM = b"\xef\xbb\xbf"


class WriteFailed(IngleError):
    """Nothing (or, if `unrestored` is not empty, not everything) could be written."""

    def __init__(self, message: str, hint: str = "", unrestored: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.unrestored = unrestored


class ChangedOnDisk(WriteFailed):
    """A file is no longer what the turn read: someone saved it meanwhile."""


@dataclass
class _Staged:
    rel: str
    target: Path
    temp: Path
    existed: bool
    original: bytes = b""
    mode: int = 0
    backup: Path | None = None
    replaced: bool = False


def write_atomically(
    repo_root: Path, new_contents: Mapping[str, str], expected: Mapping[str, str] | None = None
) -> None:
    """Write every file of `new_contents` (repo-relative posix path -> text), or none."""
    root = Path(os.path.realpath(repo_root))
    targets = _resolve_targets(root, new_contents)
    staged: list[_Staged] = []
    made_dirs: list[Path] = []
    preparing = ""
    try:
        for rel, target in targets:
            preparing = rel
            staged.append(_stage(rel, target, new_contents[rel], made_dirs))
            if expected is not None:
                _check_unchanged(staged[-1], expected)
    except ChangedOnDisk:
        _discard(staged, made_dirs)
        raise
    except OSError as exc:
        _discard(staged, made_dirs)
        raise WriteFailed(
            f"could not prepare {preparing} for writing: {exc.strerror or exc}; "
            "no file was changed",
            "check that the path is a writable file, not a directory, and that the disk has space",
        ) from exc
    for item in staged:
        try:
            if expected is not None:
                _check_unchanged(item, expected)
            os.replace(item.temp, item.target)
            item.replaced = True
        except ChangedOnDisk:
            _roll_back(staged)
            _discard(staged, made_dirs)
            raise
        except OSError as exc:
            unrestored = _roll_back(staged)
            _discard(staged, made_dirs, keep_backups=bool(unrestored))
            if unrestored:
                raise WriteFailed(
                    f"writing {item.rel} failed ({exc.strerror or exc}) and "
                    f"{', '.join(unrestored)} could not be restored",
                    "their previous content is kept next to them as .ingle-*.bak files",
                    unrestored,
                ) from exc
            raise WriteFailed(
                f"writing {item.rel} failed: {exc.strerror or exc}; every file was restored, "
                "nothing changed",
                "check the file's permissions and that no directory has the same name",
            ) from exc
    for parent in {item.target.parent for item in staged}:
        _fsync_dir(parent)
    _discard(staged, [], keep_backups=False)


def _resolve_targets(root: Path, new_contents: Mapping[str, str]) -> list[tuple[str, Path]]:
    targets: list[tuple[str, Path]] = []
    seen: dict[Path, str] = {}
    for rel in sorted(new_contents):
        verdict = normalise(rel)
        if verdict.ok and verdict.path is not None:
            verdict = check_containment(verdict.path, root)
        if not verdict.ok:
            raise WriteFailed(f"refusing to write {rel!r}: {verdict.reason}; no file was changed")
        target = Path(os.path.realpath(root / (verdict.path or rel)))
        if target in seen:
            raise WriteFailed(
                f"{seen[target]} and {rel} are the same file; no file was changed",
                "send each file's new content once",
            )
        seen[target] = rel
        targets.append((rel, target))
    return targets


def _stage(rel: str, target: Path, text: str, made_dirs: list[Path]) -> _Staged:
    token = secrets.token_hex(4)
    temp = target.parent / f".{target.name}.ingle-{token}.tmp"
    item = _Staged(rel=rel, target=target, temp=temp, existed=os.path.lexists(target))
    if item.existed:
        info = os.stat(target)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "a directory is in the way", str(target))
        item.mode = stat.S_IMODE(info.st_mode)
        item.original = target.read_bytes()
    else:
        _make_parents(target.parent, made_dirs)
    style = style_of_bytes(item.original)
    data = apply_style(text, style).encode("utf-8")
    if item.original.startswith(_BOM) and not data.startswith(_BOM):
        data = _BOM + data
    # New files get 0o666 minus the umask, like any file the user's editor creates.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if item.existed else 0o666)
    try:
        if item.existed:
            os.fchmod(fd, item.mode)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if item.existed:
        backup = target.parent / f".{target.name}.ingle-{token}.bak"
        try:
            os.link(target, backup)
            item.backup = backup
        except OSError:
            item.backup = None  # no hard links here: restore from the bytes in memory
    return item


def _check_unchanged(item: _Staged, expected: Mapping[str, str]) -> None:
    """Is the file on disk still the text the turn read (or still absent, for a new one)?"""
    want = expected.get(item.rel)
    try:
        now: bytes | None = item.target.read_bytes() if os.path.lexists(item.target) else None
    except OSError:
        now = None
    same = (now is None) if want is None else (now is not None and now == want.encode("utf-8"))
    if not same:
        raise ChangedOnDisk(
            f"{item.rel} changed on disk during the turn; nothing was written and your "
            "version is kept",
            "ask again: the next turn reads the file as it is now",
        )


def _make_parents(directory: Path, made_dirs: list[Path]) -> None:
    missing: list[Path] = []
    probe = directory
    while not os.path.lexists(probe):
        missing.append(probe)
        probe = probe.parent
    for path in reversed(missing):
        os.mkdir(path)
        made_dirs.append(path)


def _roll_back(staged: list[_Staged]) -> tuple[str, ...]:
    """Undo every replacement made so far; the files that could not be restored."""
    failed: list[str] = []
    for item in reversed(staged):
        if not item.replaced:
            continue
        try:
            if not item.existed:
                os.unlink(item.target)
            elif item.backup is not None:
                os.replace(item.backup, item.target)
                item.backup = None
            else:
                restore = item.temp.with_suffix(".restore")
                restore.write_bytes(item.original)
                os.chmod(restore, item.mode)
                os.replace(restore, item.target)
        except OSError:
            failed.append(item.rel)
    return tuple(failed)


def _discard(staged: list[_Staged], made_dirs: list[Path], *, keep_backups: bool = False) -> None:
    """Remove temp files, backups (unless asked to keep them) and directories made for
    new files. Best effort: this runs while handling another error."""
    for item in staged:
        leftovers = [item.temp] + ([] if keep_backups or item.backup is None else [item.backup])
        for path in leftovers:
            try:
                os.unlink(path)
            except OSError:
                pass  # already gone (replaced) or undeletable: nothing more to do
    for directory in reversed(made_dirs):
        try:
            os.rmdir(directory)
        except OSError:
            pass  # not empty: something else lives there now


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not supported here (e.g. Windows); the files themselves are synced
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
