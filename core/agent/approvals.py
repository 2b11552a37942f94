"""Asking the person before anything irreversible: applying edits, running commands.

The engine awaits an `Approver`; each front end supplies its own: batch mode
answers from its flags (--yes, --run-suggested), the TUI shows a modal that
resolves a future, the MCP server never runs shell commands.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel


class ApprovalRequest(BaseModel):
    kind: Literal["apply_edits", "run_shell", "add_files"]
    summary: str  # one line: "apply edits to 3 files", "run `pytest -q`"
    detail: str = ""  # the diff, the command, the file list


class Approver(Protocol):
    async def approve(self, request: ApprovalRequest) -> bool: ...


NOT_APPROVED = "the edits were not approved; nothing was written"


class FixedApprover:
    """Answers from fixed choices; used by batch mode and by tests. `refusal` is what a
    refused edit is reported as (batch without a terminal: "pass --yes")."""

    def __init__(
        self, *, edits: bool, shell: bool, add_files: bool, refusal: str = NOT_APPROVED
    ) -> None:
        self._answers = {"apply_edits": edits, "run_shell": shell, "add_files": add_files}
        self.asked: list[ApprovalRequest] = []
        self.refusal = refusal

    async def approve(self, request: ApprovalRequest) -> bool:
        self.asked.append(request)
        return self._answers[request.kind]


def refusal_of(approver: Approver) -> str:
    """Why edits an approver refused were not written, in the person's terms."""
    return getattr(approver, "refusal", NOT_APPROVED)
