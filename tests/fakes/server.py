"""The loopback HTTP server every fake is built on.

A real `ThreadingHTTPServer` on 127.0.0.1 with an OS-assigned port, so clients go
through real sockets, chunked transfer encoding and real connection failures.
Subclasses implement `route(exchange)`; streaming replies go through `play`, which
applies a Reply's delays, stalls, cuts and mid-stream errors the same way for
every protocol.
"""

from __future__ import annotations

import json
import select
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tests.fakes.script import MidStreamError, RecordedRequest, Reply

Responder = Callable[[RecordedRequest], Reply]


class Exchange:
    """One request and the means to answer it."""

    def __init__(self, handler: BaseHTTPRequestHandler, request: RecordedRequest,
                 stopping: threading.Event,
                 on_disconnect: Callable[[RecordedRequest], None] = lambda r: None) -> None:
        self._on_disconnect = on_disconnect
        self._handler = handler
        self.request = request
        self._stopping = stopping
        self._streaming = False

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def send_bytes(self, status: int, body: bytes, content_type: str,
                   headers: dict[str, str] | None = None) -> None:
        h = self._handler
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        if self.request.method != "HEAD":
            h.wfile.write(body)

    def begin_stream(self, content_type: str, headers: dict[str, str] | None = None) -> None:
        h = self._handler
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        self._streaming = True

    def write(self, data: bytes) -> None:
        """One chunk on the wire (servers flush per token, so we do too)."""
        self._handler.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

    def end_stream(self) -> None:
        self._handler.wfile.write(b"0\r\n\r\n")
        self._streaming = False

    def hold(self) -> None:
        """Stall: keep the connection open, sending nothing, until the server stops or the
        client closes the connection (recorded in the fake's `disconnected`)."""
        sock = self._handler.connection
        while not self._stopping.is_set():
            readable, _, _ = select.select([sock], [], [], 0.02)
            if readable and self._peer_closed(sock):
                self._on_disconnect(self.request)
                break
        self._handler.close_connection = True

    def pause(self, seconds: float) -> None:
        """A slow model: the gap between two chunks (cut short when the server stops).
        A client that hangs up meanwhile is seen at once: BrokenPipeError, as the next
        write would raise (the handler records the disconnect)."""
        sock = self._handler.connection
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            readable, _, _ = select.select([sock], [], [], min(left, 0.02))
            if readable and self._peer_closed(sock):
                raise BrokenPipeError("the client closed the stream")

    @staticmethod
    def _peer_closed(sock: socket.socket) -> bool:
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up mid-stream (timeouts, cancelled turns) are what tests do.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeServer:
    """Base of the fakes: scripted replies, recorded requests, start/stop."""

    def __init__(self) -> None:
        self._replies: deque[Reply] = deque()
        self._responder: Responder | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        # Streams whose client closed the connection while the server held it (stall_after).
        self.disconnected: list[RecordedRequest] = []
        self.disconnect_seen = threading.Event()
        self._stopping = threading.Event()
        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        # A short poll interval makes shutdown (which waits for the next poll) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def script(self, *replies: Reply) -> None:
        """Queue replies, answered in order to the protocol's chat/messages calls."""
        with self._lock:
            self._replies.extend(replies)

    def respond_with(self, responder: Responder | None) -> None:
        """A function of the request, used once the queue is empty."""
        self._responder = responder

    def next_reply(self, request: RecordedRequest) -> Reply | None:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return self._responder(request) if self._responder else None

    @property
    def unused_replies(self) -> int:
        with self._lock:
            return len(self._replies)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases stalled and slow streams
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _client_left(self, request: RecordedRequest) -> None:
        with self._lock:
            self.disconnected.append(request)
        self.disconnect_seen.set()

    # ---- for subclasses -------------------------------------------------------------------

    def route(self, exchange: Exchange) -> None:
        raise NotImplementedError

    def no_reply(self, exchange: Exchange) -> None:
        exchange.send_json(500, {"error": (
            f"fake server: no scripted reply left for {exchange.request.method} "
            f"{exchange.request.path} (call server.script(...) or server.respond_with(...))"
        )})

    def play(
        self,
        exchange: Exchange,
        reply: Reply,
        content_type: str,
        head: list[bytes],
        frames: list[bytes],
        tail: list[bytes],
        error_frame: Callable[[MidStreamError], bytes],
    ) -> None:
        """Stream head, frames, tail, applying the reply's delay/stall/cut/error switches."""
        mid = reply.midstream()
        error_at = None
        if mid is not None:
            error_at = mid.after if mid.after is not None else len(frames) // 2
        exchange.begin_stream(content_type)
        for data in head:
            exchange.write(data)
        for i in range(len(frames) + 1):
            if reply.stall_after == i:
                exchange.hold()
                return
            if reply.cut_after == i:
                exchange.end_stream()
                return
            if error_at == i and mid is not None:
                exchange.write(error_frame(mid))
                exchange.end_stream()
                return
            if i == len(frames):
                break
            if reply.delay and i:
                exchange.pause(reply.delay)
            exchange.write(frames[i])
        for data in tail:
            exchange.write(data)
        exchange.end_stream()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, like real servers

    def _handle(self) -> None:
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except json.JSONDecodeError:
            parsed = None
        path, _, query = self.path.partition("?")
        request = RecordedRequest(
            method=self.command,
            path=path,
            query=query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json_body=parsed,
        )
        with fake._lock:
            fake._requests.append(request)
        exchange = Exchange(self, request, fake._stopping, fake._client_left)
        try:
            fake.route(exchange)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (e.g. its timeout fired)
            fake._client_left(request)

    do_GET = do_POST = do_DELETE = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean
