"""Git plumbing for one work tree: run git, read files' state, commits, marks and diffs.

The policy that writes history (protect the user's work, commit Ingle's change, undo)
lives above this, in commits.py and undo.py, and reaches the tree only through here;
`IngleRepo` (repo.py) joins the two for the callers.

GitPython finds and opens the repository and reads commit objects; porcelain commands
run through its `Git` wrapper with literal pathspecs, so names with spaces, unicode,
`*` or `:` mean exactly themselves. Calls block; async callers use `asyncio.to_thread`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePath
from types import ModuleType
from typing import TYPE_CHECKING, Self

from ingle.core.vcs.errors import GitOperationError
from ingle.core.vcs.identity import user_identity
from ingle.core.vcs.landing_lock import LOCK_NAME, LandingLock
from ingle.core.vcs.marks import created_files_of, is_ingle_commit, saved_work_of, turn_id_of
from ingle.core.vcs.models import CommitInfo, Identity

if TYPE_CHECKING:
    import git

IGNORED = "!!"
UNTRACKED = "??"
# How far back `last_ingle_commit` looks for a commit carrying the marks.
_SEARCH_DEPTH = 200
# State files git leaves while an operation waits for the user; committing then is wrong.
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or `git am`",
}


def git_module() -> ModuleType:
    try:
        import git
    except ImportError as exc:  # GitPython raises ImportError when no git executable works
        raise GitOperationError(
            f"git is not usable: {exc}".splitlines()[0],
            "install git (e.g. `apt install git`) or set GIT_PYTHON_GIT_EXECUTABLE to its path",
        ) from exc
    return git


class GitTree:
    """A work tree and its git directory, through GitPython and the git executable."""

    def __init__(self, repo: git.Repo) -> None:
        self._repo = repo
        self.root = Path(repo.working_tree_dir or "").resolve()
        self._git_dir = Path(repo.git_dir)
        self._executable = str(repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

    def close(self) -> None:
        """Stop the `git cat-file` helpers GitPython keeps running for reading objects."""
        self._repo.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- running git -------------------------------------------------------------------

    def run(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        """Run `git args...` in the work tree; failures become GitOperationError with git's words."""
        status, out, err = self.run_status(*args, env=env)
        if check and status != 0:
            lines = (err or out).strip().splitlines()
            # git's own "fatal:"/"error:" line says what happened; advice follows it.
            words = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines
            command = next((a for a in args if not a.startswith("-") and "=" not in a), "")
            raise GitOperationError(
                f"git {command} failed: {words[0] if words else f'exit status {status}'}",
            )
        return out

    def run_status(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        full_env = {"GIT_LITERAL_PATHSPECS": "1", **(env or {})}
        status, out, err = self._repo.git.execute(
            # No hooks, ever: with core.hooksPath inside the tree (husky's `.husky/_`), a hook
            # is a file the model could have written, and `--no-verify` skips only two of them.
            [self._executable, "-c", f"core.hooksPath={os.devnull}", *args],
            env=full_env,
            with_extended_output=True,
            with_exceptions=False,
            strip_newline_in_stdout=False,
        )
        return int(status or 0), str(out), str(err)

    def config_value(self, key: str) -> str | None:
        status, out, _ = self.run_status("config", "--get", key)
        if status != 0:  # 1: the key is not set anywhere
            return None
        return out.strip() or None

    # -- state -------------------------------------------------------------------------

    @property
    def branch(self) -> str:
        """The branch name, or the short sha when HEAD is detached."""
        head = self._repo.head
        return head.commit.hexsha[:7] if head.is_detached else head.ref.name

    def has_commits(self) -> bool:
        return self._repo.head.is_valid()

    def head_sha(self) -> str | None:
        return self._repo.head.commit.hexsha if self.has_commits() else None

    def rel(self, path: str | os.PathLike[str]) -> str:
        """A repo-relative POSIX path; absolute paths must lie inside the work tree."""
        pure = PurePath(path)
        if pure.is_absolute():
            try:
                pure = Path(pure).resolve().relative_to(self.root)
            except ValueError as exc:
                raise GitOperationError(f"{path} is outside the repository {self.root}") from exc
        return pure.as_posix()

    def tracked_files(self) -> list[str]:
        return [p for p in self.run("ls-files", "-z").split("\0") if p]

    def status(self, paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
        """Two-letter porcelain codes for the given paths that differ from HEAD
        ("??" untracked, "!!" ignored); clean paths are absent."""
        wanted = sorted({self.rel(p) for p in paths})
        if not wanted:
            return {}
        out = self.run(
            "status",
            "--porcelain=v1",
            "-z",
            "--no-renames",
            "--untracked-files=all",
            "--ignored=traditional",
            "--",
            *wanted,
            env={"GIT_OPTIONAL_LOCKS": "0"},  # reading must not take index.lock from the user
        )
        return {entry[3:]: entry[:2] for entry in out.split("\0") if len(entry) > 3}

    def dirty_files(self, paths: Iterable[str | os.PathLike[str]]) -> set[str]:
        """Paths among `paths` with uncommitted user work: staged, unstaged, or untracked."""
        return {path for path, code in self.status(paths).items() if code != IGNORED}

    def ignored_files(self, paths: Iterable[str | os.PathLike[str]]) -> set[str]:
        """Paths git ignores: a turn should not edit them, as no commit can protect them."""
        return {path for path, code in self.status(paths).items() if code == IGNORED}

    def uncommittable(self, paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
        """Paths a commit of this repository could not hold, each with why: ignored by git
        (new files under an ignored directory too, which `status` cannot see), or inside a
        submodule or a nested repository. Checked before writing, so nothing is left
        written but uncommitted."""
        wanted = sorted({self.rel(p) for p in paths})
        found: dict[str, str] = {}
        if not wanted:
            return found
        for path in wanted:  # one call each: a turn writes a handful of files
            # check-ignore takes plain paths, and refuses literal-pathspec mode outright.
            if self.run_status("check-ignore", "-q", "--", path, env={"GIT_LITERAL_PATHSPECS": "0"})[0] == 0:
                found[path] = "git ignores it"
        gitlinks = {
            line.split("\t", 1)[1]
            for line in self.run("ls-files", "--stage", "-z").split("\0")
            if line.startswith("160000 ") and "\t" in line
        }
        for path in wanted:
            parts = PurePath(path).parts
            for n in range(1, len(parts)):
                prefix = "/".join(parts[:n])
                if prefix in gitlinks:
                    found.setdefault(path, f"it is inside the submodule {prefix}")
                elif os.path.lexists(self.root / prefix / ".git"):
                    found.setdefault(path, f"it is inside the nested repository {prefix}")
        return found

    def operation_in_progress(self) -> str | None:
        """What git is waiting for the user to finish ("a merge", "a rebase"...), if anything."""
        for marker, what in _IN_PROGRESS.items():
            if (self._git_dir / marker).exists():
                return what
        return None

    def user_identity(self) -> Identity:
        return user_identity(self.config_value)

    def state_file(self, name: str) -> Path:
        """A file of Ingle's own in the git directory (never in the work tree)."""
        return self._git_dir / name

    def landing_lock(self) -> LandingLock:
        """The per-work-tree lock a turn holds from its final check to its commit."""
        return LandingLock(self.state_file(LOCK_NAME))

    def head_message(self) -> str:
        return str(self._repo.head.commit.message) if self.has_commits() else ""

    # -- commits -----------------------------------------------------------------------

    def commit_info(self, rev: str = "HEAD") -> CommitInfo:
        commit = self._repo.commit(rev)
        message = str(commit.message)
        listed = self.run(
            "diff-tree",
            "--no-commit-id",
            "-r",
            "--root",
            "--no-renames",
            "--name-only",
            "-z",
            commit.hexsha,
        )
        return CommitInfo(
            sha=commit.hexsha,
            short_sha=commit.hexsha[:7],
            subject=message.strip().splitlines()[0] if message.strip() else "",
            author=f"{commit.author.name} <{commit.author.email}>",
            files=[p for p in listed.split("\0") if p],
            ingle=is_ingle_commit(message, commit.committer.name or ""),
            turn_id=turn_id_of(message),
            created=created_files_of(message),
            saved_work=saved_work_of(message),
        )

    def commit_parents(self, sha: str) -> list[str]:
        return [parent.hexsha for parent in self._repo.commit(sha).parents]

    def parent_of(self, sha: str) -> str | None:
        parents = self.commit_parents(sha)
        return parents[0] if parents else None

    def is_detached(self) -> bool:
        return self._repo.head.is_detached

    def last_ingle_commit(self) -> CommitInfo | None:
        """The newest Ingle commit on HEAD's first-parent line, if any."""
        if not self.has_commits():
            return None
        candidates = self.run(
            "log",
            "--first-parent",
            f"--max-count={_SEARCH_DEPTH}",
            "--format=%H",
            "-F",
            "--grep=Ingle-Turn:",
            "HEAD",
        ).split()
        for sha in candidates:  # the grep is loose; the marks are checked exactly here
            info = self.commit_info(sha)
            if info.ingle:
                return info
        return None

    def commits_since(self, sha: str) -> int:
        return int(self.run("rev-list", "--count", f"{sha}..HEAD").strip() or 0)

    # -- undo and diffs ----------------------------------------------------------------

    def last_ingle_diff(self, color: bool = False) -> str:
        """What the last Ingle turn changed, as `git show` prints it; "" when there was none."""
        last = self.last_ingle_commit()
        if last is None:
            return ""
        return self.run(
            "-c",
            "core.quotePath=false",
            "show",
            "--no-ext-diff",
            "--stat",
            "--patch",
            "--format=medium",
            f"--color={'always' if color else 'never'}",
            last.sha,
        )

    def diff_working(self, color: bool = False) -> str:
        """Uncommitted changes to tracked files (staged and not) against HEAD."""
        diff = ["-c", "core.quotePath=false", "diff", "--no-ext-diff"]
        diff.append(f"--color={'always' if color else 'never'}")
        if self.has_commits():
            return self.run(*diff, "HEAD")
        # No HEAD yet: everything staged is new, plus whatever changed since staging.
        return self.run(*diff, "--cached") + self.run(*diff)
