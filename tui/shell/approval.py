"""Asks before edits are written or a command runs: y yes, a always (edits), n no.

For edits the diff is already in the conversation (shown once): the dialog sits at the
bottom with the files and their +/- counts, leaving the diff readable above; `d` shows it
in the dialog too."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ingle.core.agent.approvals import ApprovalRequest
from ingle.tui.shell.approver import Answer
from ingle.tui.widgets.diff_view import colour_diff

TITLES = {
    "apply_edits": "Apply these edits?",
    "run_shell": "Run this command?",
    "add_files": "Add these files to the chat?",
}


class ApprovalScreen(ModalScreen[Answer]):
    CSS_PATH = "approval.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer('yes')", "Yes", id="approval.yes"),
        Binding("a", "answer('always')", "Yes to all edits this session", id="approval.always"),
        Binding("n,escape", "answer('no')", "No", id="approval.no"),
        Binding("d", "toggle_diff", "Diff here", id="approval.diff"),
    ]

    def __init__(self, request: ApprovalRequest, future: asyncio.Future[Answer]) -> None:
        super().__init__()
        self.request = request
        self.future = future

    def compose(self) -> ComposeResult:
        edits = self.request.kind == "apply_edits"
        self.set_class(edits, "-edits")
        with Vertical(id="approval"):
            yield Static(Content.styled(TITLES[self.request.kind], "bold"), id="approval-title")
            summary = self.request.summary
            if edits and self.request.detail:
                summary += f": {diff_counts(self.request.detail)} (the diff is above; d shows it here)"
            yield Static(Content(summary), id="approval-summary")
            if self.request.detail:
                detail = (
                    colour_diff(self.request.detail)
                    if self.request.kind == "apply_edits"
                    else Content(self.request.detail)
                )
                with VerticalScroll(id="approval-detail", classes="-hidden" if edits else ""):
                    yield Static(detail)
            yield Footer()

    def on_mount(self) -> None:
        # The turn may be interrupted while we wait: then nobody is listening.
        self.future.add_done_callback(lambda _: self._close_if_open())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters == ("always",):
            return self.request.kind == "apply_edits"
        if action == "toggle_diff":
            return self.request.kind == "apply_edits" and bool(self.request.detail)
        return True

    def action_toggle_diff(self) -> None:
        self.query_one("#approval-detail").toggle_class("-hidden")

    def action_answer(self, answer: Answer) -> None:
        if not self.future.done():
            self.future.set_result(answer)
        self.dismiss(answer)

    def _close_if_open(self) -> None:
        if self.is_current and self.future.cancelled():
            self.dismiss("no")


def diff_counts(diff: str) -> str:
    """`greet.py +2 -2, app.py +1` from a unified diff."""
    counts: dict[str, list[int]] = {}
    current = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            current = line[4:].removeprefix("b/")
            counts.setdefault(current, [0, 0])
        elif line.startswith("--- "):
            continue
        elif current is not None and line.startswith("+"):
            counts[current][0] += 1
        elif current is not None and line.startswith("-"):
            counts[current][1] += 1
    return ", ".join(f"{path} +{added} -{removed}" for path, (added, removed) in counts.items())
