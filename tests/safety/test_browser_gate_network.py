"""Case 5: the browser gate lets no packet out but to its own page server, never serves
.git, and runs Chromium sandboxed when it can. Real Chromium through `ingle check`."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.gate_corpus.toolchain import require

pytestmark = pytest.mark.toolchain

LEAKY_PAGE = """<!doctype html>
<html><body><p>hello</p>
<script>
const TCP = {tcp}, UDP = {udp};
const there = (path) => `http://127.0.0.1:${{TCP}}/${{path}}`;
addEventListener("pagehide", () => {{
  fetch(there("keepalive"), {{ method: "POST", body: "bye", keepalive: true }});
  navigator.sendBeacon(there("beacon"), "bye");
}});
const img = new Image(); img.src = there("pixel.png");
const frame = document.createElement("iframe"); frame.src = there("frame"); document.body.append(frame);
const link = document.createElement("link"); link.rel = "preconnect"; link.href = there(""); document.head.append(link);
const pc = new RTCPeerConnection({{ iceServers: [
  {{ urls: `stun:127.0.0.1:${{UDP}}` }},
  {{ urls: `turn:127.0.0.1:${{TCP}}?transport=tcp`, username: "u", credential: "p" }},
] }});
pc.createDataChannel("x");
pc.createOffer().then((offer) => pc.setLocalDescription(offer));
</script></body></html>
"""

NAVIGATING_PAGE = """<!doctype html>
<html><head><meta http-equiv="refresh" content="0; url=http://127.0.0.1:{tcp}/refresh"></head>
<body><form id="f" method="post" action="http://127.0.0.1:{tcp}/form"><input name="a" value="b"></form>
<script>document.getElementById("f").submit();</script></body></html>
"""

GIT_PAGE = """<!doctype html>
<html><body><script>
fetch(".git/config").then((r) => r.text()).then((text) => {
  if (text.includes("TOKEN-IN-REMOTE")) throw new Error("git config was served: " + text);
});
</script></body></html>
"""


@pytest.fixture
def listeners() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A loopback TCP listener and a UDP socket: what a leaking page would reach."""
    tcp = socket.socket()
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(64)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    yield tcp, udp
    tcp.close()
    udp.close()


def _nothing_arrived(tcp: socket.socket, udp: socket.socket) -> list[str]:
    """What reached the listeners (the browser has exited: all it sent is queued)."""
    seen = []
    tcp.setblocking(False)
    udp.setblocking(False)
    try:
        conn, _ = tcp.accept()
        conn.setblocking(True)
        conn.settimeout(5)
        try:
            seen.append("tcp: " + conn.recv(200).decode("latin-1"))
        except OSError as exc:
            seen.append(f"tcp connection ({exc})")
        conn.close()
    except BlockingIOError:
        pass
    try:
        seen.append(f"udp: {udp.recv(200)!r}")
    except BlockingIOError:
        pass
    return seen


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    require("chromium")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text('[remote "origin"]\n\turl = https://TOKEN-IN-REMOTE@x/y\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_packet_leaves_the_page(project, listeners, capsys) -> None:
    tcp, udp = listeners
    ports = {"tcp": tcp.getsockname()[1], "udp": udp.getsockname()[1]}
    (project / "leaky.html").write_text(LEAKY_PAGE.format(**ports))
    (project / "navigating.html").write_text(NAVIGATING_PAGE.format(**ports))
    main(["check", "--json", "leaky.html", "navigating.html"])
    assert _nothing_arrived(tcp, udp) == []
    report = json.loads(capsys.readouterr().out)
    assert "pixel.png" in json.dumps(report)  # the gate still reports what it blocked


def test_check_never_serves_dot_git(project, capsys) -> None:
    (project / "page.html").write_text(GIT_PAGE)
    main(["check", "--json", "page.html"])
    assert "TOKEN-IN-REMOTE" not in capsys.readouterr().out


def test_chromium_runs_sandboxed_unless_root_and_routes_all_through_the_dead_proxy() -> None:
    import os

    from ingle.validators.chromium import network_args, sandboxed

    assert sandboxed() == (os.geteuid() != 0)
    args = network_args("http://127.0.0.1:4000", "127.0.0.1:4001")
    assert "--proxy-server=http://127.0.0.1:4001" in args
    assert "--proxy-bypass-list=<-loopback>;127.0.0.1:4000" in args
    assert "--force-webrtc-ip-handling-policy=disable_non_proxied_udp" in args
