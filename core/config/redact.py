"""Secrets in endpoint URLs (`http://user:password@host`) never reach the screen or a log.

An endpoint behind a proxy with basic auth carries its password in the URL; httpx sends
it, and everything that shows a URL to a person shows it through `redact_url`.
"""

from __future__ import annotations

import re
from typing import Any

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@\s:]*)(?::[^/@\s]*)?@")


def redact_url(text: str) -> str:
    """`http://u:pw@host:1` -> `http://u:***@host:1`, in a URL or any text holding URLs."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


def redact_data(value: Any) -> Any:
    """Every string inside plain data (dicts, lists) with its URLs redacted."""
    if isinstance(value, str):
        return redact_url(value)
    if isinstance(value, dict):
        return {key: redact_data(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [redact_data(inner) for inner in value]
    return value
