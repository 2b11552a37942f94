"""Trusting a repository's .ingle.toml, like direnv's `allow`.

Trust is remembered per repository path together with the file's SHA-256: any
change to the file withdraws it until the user looks again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ingle.core.config.paths import IngleDirs
from ingle.memory.store import Store, now


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_trusted(dirs: IngleDirs, repo_file: Path) -> bool:
    if not dirs.database.exists():
        return False
    with Store(dirs.database) as store:
        row = next(
            store.db["trusted_repos"].rows_where("path = ?", [str(repo_file.parent.resolve())]),
            None,
        )
    return bool(row) and row["config_sha256"] == file_sha256(repo_file)


def trust(dirs: IngleDirs, repo_file: Path) -> str:
    """Record trust in the file as it is now; returns its hash."""
    digest = file_sha256(repo_file)
    with Store(dirs.database) as store:
        store.db["trusted_repos"].upsert(
            {"path": str(repo_file.parent.resolve()), "config_sha256": digest, "trusted_at": now()},
            pk="path",
        )
    return digest


def untrust(dirs: IngleDirs, repo: Path) -> bool:
    if not dirs.database.exists():
        return False
    with Store(dirs.database) as store:
        table = store.db["trusted_repos"]
        key = str(repo.resolve())
        existed = table.count_where("path = ?", [key]) > 0
        table.delete_where("path = ?", [key])
    return existed
