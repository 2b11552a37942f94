"""OLLAMA_HOST parsed with Ollama's own rules (envconfig.Host in the Ollama source).

- no scheme: http, default port 11434;
- `http://` without a port: port 80; `https://` without a port: port 443;
- a bare host, IPv4, `[IPv6]` or `:port` are all accepted; an invalid port falls back
  to the default, as Ollama does;
- `user:password@` before the host (a proxy with basic auth) is kept as it is, for
  httpx to send; it is shown redacted (core/config/redact.py).
"""

from __future__ import annotations

import ipaddress

DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


def ollama_host_url(value: str | None) -> str:
    s = (value or "").strip()
    default_port = "11434"
    if "://" in s:
        scheme, hostport = s.split("://", 1)
        if scheme == "http":
            default_port = "80"
        elif scheme == "https":
            default_port = "443"
    else:
        scheme, hostport = "http", s
    hostport, _, path = hostport.partition("/")
    userinfo, at, hostport = hostport.rpartition("@")
    host, port = _split_host_port(hostport)
    if host is None:
        host, port = "127.0.0.1", default_port
        bare = hostport.strip("[]")
        if _is_ip(bare):
            host = bare
        elif hostport:
            host = hostport
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        port = default_port
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    url = f"{scheme}://{userinfo}{at}{host}:{port}"
    return f"{url}/{path}" if path else url


def _split_host_port(hostport: str) -> tuple[str | None, str]:
    """Go's net.SplitHostPort: needs a port; brackets for IPv6."""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1 or not hostport[end + 1 :].startswith(":"):
            return None, ""
        return hostport[1:end], hostport[end + 2 :]
    if hostport.count(":") != 1:
        return None, ""
    host, port = hostport.split(":")
    return (host or "127.0.0.1"), port


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
