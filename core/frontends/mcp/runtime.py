"""What the tools share: the workbench's persona caller and personas, and the workspace.

Every model call a tool makes goes through the workbench's `PersonaCaller`: it builds
the request from the persona, refuses a prompt that cannot fit the model's fixed context
window, records the call in the ledger and adds its usage to the tool's meter. The text
tools are core's `TextTools`; this module only adds what is the MCP server's own: the
workspace generate_code may read, and refusals worded for a calling agent.
"""

from __future__ import annotations

from pathlib import Path

from ingle.core.backends.calls import PersonaCaller
from ingle.core.config.settings import Settings
from ingle.core.errors import IngleError
from ingle.core.expenses.service import ExpensesService
from ingle.core.texttools.service import TextTools
from ingle.core.workbench import Workbench
from ingle.personas.registry import PersonaRegistry, UnknownPersona
from ingle.personas.resolved import ResolvedPersona


class DelegationRefused(IngleError):
    """The tool cannot do this call as asked; `hint` says what to change."""


class PersonaRunner:
    def __init__(self, workbench: Workbench, workspace: Path | None) -> None:
        self.workbench = workbench
        self.caller: PersonaCaller = workbench.caller
        self.registry: PersonaRegistry = workbench.personas
        self.text = TextTools(
            workbench.caller, workbench.personas, workbench.settings.cascade.confidence_threshold
        )
        # The repository whose files generate_code may read; None outside a repository
        # (Claude Desktop starts servers in /, which must not expose the whole disk).
        self.workspace = workspace
        self.expenses = ExpensesService(workbench)

    @property
    def settings(self) -> Settings:
        return self.workbench.settings

    def persona(self, name: str) -> ResolvedPersona:
        try:
            return self.registry.get(name)
        except UnknownPersona as exc:
            raise DelegationRefused(str(exc), "call list_personas to see the names") from exc

    async def aclose(self) -> None:
        await self.workbench.aclose()
