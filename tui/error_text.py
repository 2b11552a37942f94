"""Engine failures as one readable message: what went wrong and what to do."""

from __future__ import annotations


def describe_error(exc: BaseException) -> str:
    """Known failures carry their own advice; anything else names itself plainly."""
    from ingle.core.backends.errors import BackendError
    from ingle.core.config.loader import ConfigError
    from ingle.core.agent.engine import EngineError
    from ingle.core.errors import IngleError

    known: tuple[type[BaseException], ...] = (
        BackendError, ConfigError, EngineError, IngleError, LookupError
    )
    if isinstance(exc, known):
        return str(exc).strip('"')
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
    return f"{type(exc).__name__}: {exc} (a bug in Ingle: the log has the details)"
