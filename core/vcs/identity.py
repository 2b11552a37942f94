"""Whose name goes on a commit, without ever writing a git identity into any config.

The user's identity is what git itself would use (`GIT_AUTHOR_*` in the environment, then
user.name/user.email from every config level). When either is missing, a fallback is
passed through the environment of that one commit only.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ingle.core.vcs.marks import ingle_name
from ingle.core.vcs.models import Identity

FALLBACK_NAME = "Ingle"
FALLBACK_EMAIL = "ingle@localhost"

# Reads one git config key (all levels, includes honoured); None when unset.
ConfigReader = Callable[[str], str | None]


def user_identity(read_config: ConfigReader) -> Identity:
    name = os.environ.get("GIT_AUTHOR_NAME") or read_config("user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or read_config("user.email")
    return Identity(
        name=name or FALLBACK_NAME,
        email=email or FALLBACK_EMAIL,
        configured=bool(name and email),
    )


def ingle_identity(user: Identity) -> Identity:
    """Ingle's commits carry the user's name marked "(ingle)", so `git log` shows who asked."""
    return Identity(name=ingle_name(user.name), email=user.email, configured=user.configured)
