"""Files a caller names for generate_code, read by the server so the caller need not send them.

Only text files inside the repository the server runs in are read, and none when it
runs outside one: the contents go to a model, so a path must not reach the user's
other files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from ingle.core.edits.paths import check_readable
from ingle.core.frontends.mcp.runtime import DelegationRefused

MAX_FILE_BYTES = 200_000


class ReferenceFile(BaseModel):
    path: str  # as the caller wrote it, workspace-relative when it was given so
    content: str


def read_reference_files(paths: Sequence[str], workspace: Path | None) -> list[ReferenceFile]:
    if not paths:
        return []
    if workspace is None:
        raise DelegationRefused(
            "files: the server is not running inside a repository, so it reads no files",
            "paste the relevant code into `context`, or start the server in the project "
            "(`ingle mcp --repo PATH`, or the client's working directory)",
        )
    root = workspace.resolve()
    return [ReferenceFile(path=raw, content=_read_one(raw, root)) for raw in paths]


def _read_one(raw: str, root: Path) -> str:
    try:
        given = Path(raw).expanduser()
        path = (given if given.is_absolute() else root / given).resolve()
    except (OSError, RuntimeError) as exc:  # a name too long, a symlink loop
        raise DelegationRefused(
            f"files: {raw[:120]} is not a usable file: {getattr(exc, 'strerror', None) or exc}",
            "name a source file inside the project",
        ) from exc
    if not path.is_relative_to(root):
        raise DelegationRefused(
            f"files: {raw} is outside the workspace {root}",
            "name files inside the project the server was started in, or paste the "
            "relevant part into `context`",
        )
    # The same check as a file a model asks for: resolved, outside .git and the hooks
    # directory, a regular file (a FIFO would block), OS errors as reasons.
    verdict = check_readable(path.relative_to(root).as_posix() if path != root else "", root)
    if not verdict.ok:
        raise DelegationRefused(
            f"files: {verdict.reason}", "paths are relative to the project root; check the spelling"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DelegationRefused(
            f"files: {raw} is {size:,} bytes, more than a local model's context can take "
            f"({MAX_FILE_BYTES:,})",
            "paste only the relevant part into `context` instead",
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DelegationRefused(
            f"files: {raw} is not UTF-8 text", "name source files only"
        ) from exc
