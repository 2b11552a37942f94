"""Deciding whether an untrusted path from a model's reply may be edited.

Model output is untrusted input. A path is refused, with a reason the person (and the
model, on retry) can act on, when it is absolute, climbs out with `..`, resolves through
a symlink to somewhere outside the repository, points into `.git` or the hooks directory
`core.hooksPath` names (files there run as code on the next commit), names a directory,
a FIFO or any other non-regular file, a binary file, or a file the user has not put in
the chat (new files only when the user allows them). Every check runs on the path with
its symlinks resolved, and an OS error on the way (a name too long, a loop) means "not a
usable file", with the reason. Accepted paths come back repo-relative, in posix form.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from ingle.core.edits.models import RefusalCode

BINARY_EXTENSIONS = frozenset(
    """png jpg jpeg gif bmp ico icns webp tif tiff psd xcf heic avif pdf zip gz tgz bz2 xz
    zst 7z rar tar jar war ear aar apk ipa class dex so dylib dll exe bin o a lib obj pyc pyo
    pyd whl egg mp3 mp4 m4a wav ogg oga flac aac mov avi mkv webm wmv woff woff2 ttf otf eot
    sqlite sqlite3 db mdb parquet arrow feather npy npz pkl pickle pt pth onnx safetensors gguf
    h5 hdf5 wasm iso dmg img deb rpm msi docx xlsx pptx odt ods""".split()  # noqa: SIM905 - a word list reads better
)

_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# How much of an unknown file to read when sniffing for binary content.
_SNIFF_BYTES = 8192


class PathVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str | None = None  # repo-relative posix path, when accepted
    exists: bool = False
    refusal: RefusalCode | None = None
    reason: str = ""
    note: str = ""  # how a loose path was resolved, e.g. "app.py -> src/app.py"

    @property
    def ok(self) -> bool:
        return self.refusal is None


def _refuse(code: RefusalCode, reason: str, path: str | None = None) -> PathVerdict:
    return PathVerdict(path=path, refusal=code, reason=reason)


def normalise(raw: str) -> PathVerdict:
    """Syntax only: turn `./src\\app.py` into `src/app.py`, refuse what can never be a
    repository file. Touches no disk."""
    text = raw.strip()
    shown = text if len(text) <= 120 else text[:117] + "..."
    if not text:
        return _refuse("bad_path", "the block names no file path")
    if _CONTROL.search(text):
        return _refuse("bad_path", f"the path {shown!r} contains control characters")
    text = text.replace("\\", "/")
    if text.startswith(("/", "~")) or _DRIVE.match(text):
        return _refuse(
            "absolute_path",
            f"{shown} is an absolute path; use a path relative to the repository root",
        )
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if ".." in parts:
        return _refuse(
            "parent_traversal", f"{shown} climbs out with '..'; edits stay inside the repository"
        )
    if not parts:
        return _refuse("bad_path", f"{shown!r} is not a file path")
    if any(p.lower() == ".git" for p in parts):
        return _refuse("git_dir", f"{shown} is inside .git; Ingle never edits git's own files")
    return PathVerdict(path="/".join(parts))


def check_edit_path(
    raw: str,
    repo_root: Path,
    *,
    chat_files: Collection[str],
    allow_new_files: bool,
    contents: Mapping[str, str],
) -> PathVerdict:
    """May a block that names `raw` edit that file? `chat_files` and `contents` are keyed
    by normalised repo-relative posix paths."""
    verdict = normalise(raw)
    if not verdict.ok or verdict.path is None:
        return verdict
    rel = verdict.path
    note = ""
    root = Path(os.path.realpath(repo_root))
    if rel not in chat_files and not os.path.lexists(root / rel):
        # A loose path ("app.py" for "src/app.py") that names exactly one chat file.
        matches = [c for c in chat_files if c.endswith("/" + rel)]
        if len(matches) == 1:
            note = f"{rel} taken as {matches[0]}"
            rel = matches[0]
    contained = check_containment(rel, root)
    if not contained.ok:
        return contained
    full = root / rel
    exists = contained.exists
    if exists:
        usable = _regular_file(rel, full)
        if not usable.ok:
            return usable
    if is_binary(rel, contents.get(rel), full if exists else None):
        return _refuse("binary_file", f"{rel} is a binary file; Ingle only edits text", rel)
    if rel in chat_files:
        return PathVerdict(path=rel, exists=exists or rel in contents, note=note)
    if exists:
        return _refuse(
            "not_in_chat",
            f"{rel} exists but is not in the chat; it must be added before it can be edited",
            rel,
        )
    if not allow_new_files:
        return _refuse(
            "new_file_not_allowed",
            f"{rel} does not exist and creating new files was not allowed for this turn",
            rel,
        )
    return PathVerdict(path=rel, exists=False, note=note)


def check_containment(rel: str, real_root: Path) -> PathVerdict:
    """Does `rel`, with every symlink on the way resolved, stay inside the repository
    and out of .git and the hooks directory? `real_root` must already be resolved."""
    try:
        resolved = Path(os.path.realpath(real_root / rel, strict=False))
        os.lstat(resolved)
    except FileNotFoundError:
        pass  # a new file: its parents were resolved all the same
    except (OSError, ValueError) as exc:
        return _unusable(rel, exc)
    if not resolved.is_relative_to(real_root) or resolved == real_root:
        return _refuse(
            "outside_repo",
            f"{rel} leads outside the repository (through a symlink); refusing to edit it",
            rel,
        )
    inside = PurePosixPath(resolved.relative_to(real_root).as_posix())
    if any(p.lower() == ".git" for p in inside.parts):
        return _refuse("git_dir", f"{rel} leads into .git; Ingle never edits git's own files", rel)
    hooks = hooks_dir(real_root)
    if hooks is not None and resolved.is_relative_to(hooks):
        return _refuse(
            "git_dir",
            f"{rel} is in the git hooks directory ({hooks.relative_to(real_root).as_posix()}, "
            "core.hooksPath); files there run as code on every commit, so Ingle never touches them",
            rel,
        )
    return PathVerdict(path=rel, exists=os.path.lexists(resolved))


def check_readable(raw: str, repo_root: Path) -> PathVerdict:
    """May the file `raw` names be read and shown to a model? Only an existing regular
    file inside the repository, outside .git and the hooks directory, after resolving."""
    verdict = normalise(raw)
    if not verdict.ok or verdict.path is None:
        return verdict
    root = Path(os.path.realpath(repo_root))
    contained = check_containment(verdict.path, root)
    if not contained.ok:
        return contained
    if not contained.exists:
        return _refuse("bad_path", f"{verdict.path}: no such file in the repository", verdict.path)
    usable = _regular_file(verdict.path, root / verdict.path)
    return usable if not usable.ok else PathVerdict(path=verdict.path, exists=True)


def hooks_dir(real_root: Path) -> Path | None:
    """The resolved directory git runs hooks from when it lies inside the work tree
    (husky's `.husky/_`, `.githooks`); None when it is outside it or git cannot say."""
    try:
        done = subprocess.run(
            ["git", "-C", str(real_root), "rev-parse", "--git-path", "hooks"],
            capture_output=True, text=True, check=False,
        )
    except OSError:
        return None
    out = done.stdout.strip()
    if done.returncode != 0 or not out:
        return None
    where = Path(os.path.realpath(real_root / out))
    return where if where.is_relative_to(real_root) and where != real_root else None


def git_ignored(real_root: Path, rels: Collection[str]) -> set[str]:
    """Which of `rels` git ignores (tracked files never count as ignored). Such files
    (`.env`, build output) are never sent to a model unless the user names them."""
    if not rels:
        return set()
    try:
        done = subprocess.run(
            ["git", "-C", str(real_root), "check-ignore", "--stdin", "-z"],
            input="\0".join(rels) + "\0", capture_output=True, text=True, check=False,
        )
    except OSError:
        return set()
    return {p for p in done.stdout.split("\0") if p} if done.returncode in (0, 1) else set()


def _regular_file(rel: str, full: Path) -> PathVerdict:
    """stat (after symlinks) without opening: a FIFO or device would block a read forever."""
    try:
        info = os.stat(full)
    except (OSError, ValueError) as exc:
        return _unusable(rel, exc)
    if stat.S_ISDIR(info.st_mode):
        return _refuse("is_directory", f"{rel} is a directory, not a file", rel)
    if not stat.S_ISREG(info.st_mode):
        return _refuse("bad_path", f"{rel} is not a usable file: not a regular file", rel)
    return PathVerdict(path=rel, exists=True)


def _unusable(rel: str, exc: BaseException) -> PathVerdict:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    shown = rel if len(rel) <= 120 else rel[:117] + "..."
    return _refuse("bad_path", f"{shown} is not a usable file: {reason}", rel)


def is_binary(rel: str, text: str | None, on_disk: Path | None) -> bool:
    """Binary by extension, by a NUL in the given text, or by a NUL early in the file."""
    name = rel.rsplit("/", 1)[-1]
    if "." in name and name.rsplit(".", 1)[-1].lower() in BINARY_EXTENSIONS:
        return True
    if text is not None:
        return "\x00" in text
    if on_disk is None:
        return False
    try:
        # O_NONBLOCK: should a FIFO get here after all, the open must not wait for a writer.
        fd = os.open(on_disk, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return True  # not text Ingle can edit
        return b"\x00" in os.read(fd, _SNIFF_BYTES)
    except OSError:
        return False
    finally:
        os.close(fd)
