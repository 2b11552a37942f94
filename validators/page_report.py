"""What one page load produced, built from Playwright's page events.

URLs on the page server become paths relative to the checked root, so a diagnostic
points at the file to fix (app.js:12:5), not at a port on localhost.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field

from ingle.validators.results import Diagnostic, Severity

_STACK_POSITION = re.compile(r"(https?://[^\s()]+?):(\d+):(\d+)")
# Chromium requests this by itself when a page names no icon: not the page's fault.
_AUTOMATIC = {"/favicon.ico"}


class PageReport(BaseModel):
    page: str
    origin: str
    diagnostics: list[Diagnostic] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)
    frames: int = 0
    blocked_urls: list[str] = Field(default_factory=list)
    http_errors: list[str] = Field(default_factory=list)

    def file_for(self, url: str) -> str:
        if url.startswith(self.origin + "/"):
            return unquote(urlsplit(url).path).lstrip("/")
        return url

    def add(
        self,
        message: str,
        rule: str,
        file: str | None = None,
        line: int = 0,
        column: int = 0,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                file=self.page if file is None else file,
                line=line,
                column=column,
                severity=severity,
                message=message,
                rule=rule,
                tool="chromium",
            )
        )

    def page_error(self, error: Any) -> None:
        """An uncaught exception or unhandled rejection, located by its stack's first
        frame on our server (an inline script points into the HTML file)."""
        name = getattr(error, "name", "") or "Error"
        text = getattr(error, "message", "") or str(error)
        file, line, column = None, 0, 0
        for url, row, col in _STACK_POSITION.findall(getattr(error, "stack", "") or ""):
            if url.startswith(self.origin + "/"):
                file, line, column = self.file_for(url), int(row), int(col)
                break
        self.add(f"{name}: {text}", "pageerror", file, line, column)

    def console(self, message: Any) -> None:
        kind = message.type
        if kind not in ("error", "warning"):
            return
        text: str = message.text
        if text.startswith("Failed to load resource"):
            return  # reported with its URL by response()/failed()
        location = message.location or {}
        url = location.get("url") or ""
        self.add(
            text,
            f"console.{kind}",
            self.file_for(url) if url else None,
            int(location.get("lineNumber", -1)) + 1,
            int(location.get("columnNumber", -1)) + 1,
            Severity.ERROR if kind == "error" else Severity.WARNING,
        )

    def response(self, response: Any) -> None:
        """An HTTP error is reported against the page that asked for the file: that is
        where the wrong name is (or the file to add is named)."""
        if response.status < 400 or urlsplit(response.url).path in _AUTOMATIC:
            return
        self.http_errors.append(response.url)
        wanted = self.file_for(response.url)
        reason = " (no such file)" if response.status == 404 else ""
        self.add(f"{response.request.method} {wanted} -> HTTP {response.status}{reason}",
                 f"http-{response.status}")  # fmt: skip

    def failed(self, request: Any) -> None:
        url = request.url
        if url in self.blocked_urls or url in self.http_errors or urlsplit(url).path in _AUTOMATIC:
            return  # already reported, or not the page's doing
        failure = request.failure or "failed"
        self.add(f"{request.method} {self.file_for(url)} failed: {failure}", "requestfailed")

    def blocked(self, url: str) -> None:
        """A request off the page server: blocked (warning). If the page needed it, the
        resulting exception or failed load is reported as the error."""
        if url in self.blocked_urls:
            return
        self.blocked_urls.append(url)
        self.add(
            f"blocked request to {url}: pages under test get no network; ship the file "
            "in the repository",
            "blocked-request",
            severity=Severity.WARNING,
        )
