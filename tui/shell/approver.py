"""The engine's Approver for the app: asks through a modal, answers through a future.

The engine awaits `approve()` inside the turn's worker; this posts a message
carrying a future to the app, whose modal resolves it. Cancelling the turn
cancels the future, and the modal closes itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from textual.message import Message

from ingle.core.agent.approvals import ApprovalRequest

Answer = Literal["yes", "always", "no"]


@dataclass
class ApprovalNeeded(Message):
    request: ApprovalRequest
    future: asyncio.Future[Answer]


class TuiApprover:
    def __init__(
        self,
        post: Callable[[Message], None],
        auto_approve_edits: Callable[[], bool],
        set_auto_approve_edits: Callable[[bool], None],
    ) -> None:
        self._post = post  # delivers to the app, which shows the modal
        self._auto = auto_approve_edits
        self._set_auto = set_auto_approve_edits
        self.waited_s = 0.0  # time spent waiting for the person (reset per turn by its owner)

    async def approve(self, request: ApprovalRequest) -> bool:
        if request.kind == "apply_edits" and self._auto():
            return True
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._post(ApprovalNeeded(request, future))
        started = time.monotonic()
        try:
            answer = await future
        finally:
            self.waited_s += time.monotonic() - started
        if answer == "always" and request.kind == "apply_edits":
            self._set_auto(True)
        return answer in ("yes", "always")
