"""A loopback HTTP server for the pages the browser gate loads.

Pages are served over http rather than file:// because ES modules and fetch() do not
work from file://. One server lives as long as the browser; its root is switched per
check (a repository, or a temporary tree with a candidate edit). Responses are never
cached: the same URL may hold different content on the next attempt. Nothing inside
`.git` (a token in a remote URL) is served, asked for directly or through a symlink.

The server also holds the browser's dead proxy: a loopback port bound but never
listening, so every connection Chromium tries through it is refused at once, and no
other program can take the port while the browser lives.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

log = logging.getLogger(__name__)


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".json": "application/json",
        ".wasm": "application/wasm",
        ".svg": "image/svg+xml",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        server = args[2]
        super().__init__(*args, directory=str(server.root), **kwargs)

    def send_head(self):
        del self.headers["If-Modified-Since"]  # never answer 304 from another root's file
        # As asked and as resolved: a symlink (a candidate view links to the real tree)
        # may lead elsewhere, but never into a .git directory.
        asked = Path(os.path.relpath(self.translate_path(self.path), self.directory)).parts
        resolved = Path(os.path.realpath(self.translate_path(self.path))).parts
        if any(part.lower() == ".git" for part in (*asked, *resolved)):
            self.send_error(404, "not served: inside .git")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return  # the gate reports failed loads itself


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The browser drops connections when a page navigates or closes: routine, not
        # worth a traceback (which would also scribble over the full-screen app).
        kind = sys.exc_info()[0]
        if kind is not None and issubclass(kind, (ConnectionError, TimeoutError)):
            return
        log.warning("page server: error serving %s", client_address, exc_info=True)


class PageServer:
    """Serves one directory at http://127.0.0.1:<port>/ from a background thread."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.root = Path.cwd()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ingle-page-server", daemon=True
        )
        self._thread.start()
        self._dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._dead.bind(("127.0.0.1", 0))  # bound, never listening: connections refused

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def dead_proxy(self) -> str:
        return f"127.0.0.1:{self._dead.getsockname()[1]}"

    def serve(self, root: Path) -> None:
        self._server.root = root.resolve()

    def close(self) -> None:
        self._dead.close()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
