"""Finding a Chromium to drive, and the flags it runs with.

Order: gates.browser_executable, Debian's Chromium (the real binary first: the
/usr/bin/chromium wrapper adds flags and prints a shell warning on every start), other
Chromium/Chrome installs, then a browser Playwright downloaded itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from ingle.validators.settings import GateSettings

SYSTEM_BROWSERS = (
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/opt/google/chrome/chrome",
)

# Headless and nothing that phones home. The sandbox is on unless running as root
# (containers and CI), where Chromium refuses to start with it; see `sandboxed()`.
LAUNCH_ARGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


# Frames are not tied to a 60 Hz vsync: requestAnimationFrame runs back to back, each
# one a full compositor frame (measured: 30 frames in ~50 ms instead of ~500 ms).
UNCAPPED_FRAME_ARGS = (
    "--disable-frame-rate-limit",
    "--disable-gpu-vsync",
    "--run-all-compositor-stages-before-draw",
)


def launch_args(settings: GateSettings) -> list[str]:
    return [*LAUNCH_ARGS, *(UNCAPPED_FRAME_ARGS if settings.uncapped_frames else ())]


def sandboxed() -> bool:
    """Chromium's sandbox, whenever it can run: everywhere but as root."""
    return not hasattr(os, "geteuid") or os.geteuid() != 0


def network_args(page_origin: str, dead_proxy: str) -> list[str]:
    """No packet leaves but to the page server. Request interception cannot see
    everything (a keepalive fetch sent as the page unloads, WebRTC, a navigation's
    preconnect), so underneath it every connection goes to a proxy that refuses it:
    loopback too (Chromium bypasses proxies for loopback unless `<-loopback>` says not
    to), all but the page server's own host:port. WebRTC may not use UDP outside a proxy,
    and a proxy has none; DNS is the proxy's job, so no name is resolved either."""
    host_port = page_origin.split("://", 1)[-1]
    return [
        f"--proxy-server=http://{dead_proxy}",
        f"--proxy-bypass-list=<-loopback>;{host_port}",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--dns-prefetch-disable",
    ]


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def playwright_browsers() -> list[Path]:
    """Browsers `playwright install` put in its cache, newest first."""
    base = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(
        Path.home() / ".cache" / "ms-playwright"
    )
    found = [
        *Path(base).glob("chromium-*/chrome-linux*/chrome"),
        *Path(base).glob("chromium_headless_shell-*/chrome-*/chrome-headless-shell"),
    ]
    return sorted((p for p in found if _runnable(p)), reverse=True)


def find_chromium(settings: GateSettings) -> tuple[Path, str] | None:
    """(executable, where it came from), or None."""
    if settings.browser_executable:
        configured = Path(settings.browser_executable).expanduser()
        return (configured, "settings") if _runnable(configured) else None
    for candidate in SYSTEM_BROWSERS:
        if _runnable(Path(candidate)):
            return Path(candidate), "system"
    for candidate in playwright_browsers():
        return candidate, "Playwright's browser"
    return None
