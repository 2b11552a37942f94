"""The coding session's own user error."""

from __future__ import annotations

from ingle.core.errors import EXIT_USAGE, IngleError


class EngineError(IngleError):
    """A request the engine cannot carry out; the message says what to do."""

    exit_status = EXIT_USAGE
