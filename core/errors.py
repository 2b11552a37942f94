"""One shape for every error a user can act on: what went wrong, and what to do about it.

Front ends print `message` and, on the next line, `hint`; the CLI maps `exit_status`
to the process's exit code. Bugs are not IngleErrors: they still raise.
"""

from __future__ import annotations

# The CLI's exit statuses, defined once (cli.py, batch.py and the commands use these).
EXIT_OK = 0
EXIT_FAILED = 1  # the work failed: a turn did not land, a model call failed
EXIT_USAGE = 2  # bad input: arguments, config, a named thing that does not exist
EXIT_UNREACHABLE = 3  # a model server could not be reached
EXIT_COULD_NOT_RUN = 4  # `ingle check`: a gate's tool is missing


class IngleError(Exception):
    """A failure the user can fix. `hint` says how; `exit_status` is the CLI's exit code."""

    exit_status: int = EXIT_FAILED

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  -> {self.hint}" if self.hint else self.message


class UsageError(IngleError):
    """Bad input on the command line or in a file the user named (exit status 2)."""

    exit_status = EXIT_USAGE


class NotFound(IngleError):
    """A named thing (persona, suite, run, job, expense...) does not exist."""

    exit_status = EXIT_USAGE
