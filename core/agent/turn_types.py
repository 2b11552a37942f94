"""The data of one agent turn: what it needs from the engine, its options, its state."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ingle.core.agent.approvals import Approver
from ingle.core.config.ladder import Rung
from ingle.core.backends.base import ModelBackend
from ingle.core.backends.types import ChatMessage, Usage
from ingle.core.config.settings import Settings
from ingle.core.context.fitting import ContextTools
from ingle.core.context.prompt_builder import ExtraPart
from ingle.core.edits.models import ParsedReply
from ingle.core.edits.paths import check_readable, git_ignored
from ingle.core.vcs import IngleRepo
from ingle.memory.store import Store
from ingle.personas.resolved import ResolvedPersona

if TYPE_CHECKING:
    from ingle.core.agent.events import TurnEvent
    from ingle.core.agent.gating import JudgedGate
    from ingle.core.agent.test_gate import JudgedTests

TurnMode = Literal["code", "ask"]
# changed files (repo-relative -> candidate text) -> each applicable gate's result, judged
# against the original files
GateCheck = Callable[[dict[str, str]], AsyncIterator["JudgedGate"]]
# changed files -> the repository's tests run on the candidate, judged against the
# original files (None: no test command)
TestCheck = Callable[[dict[str, str], float], Awaitable["JudgedTests | None"]]
# (chat files, instruction, token budget) -> repo map text; called from a worker thread
RepoMapper = Callable[[set[str], str, int], str]
CommitMessager = Callable[[str, list[str], str], Awaitable[str]]
# Best-of-N's judge: (instruction, [(reply, why it failed)]) -> (index of the pick or None, why)
Judge = Callable[[str, list[tuple[str, str]]], Awaitable[tuple[int | None, str]]]


@dataclass
class BestOf:
    """Best-of-N for the first attempt (core/agent/best_of.py): N replies drawn at
    temperatures spread up from the persona's own."""

    n: int
    base_temperature: float = 0.1
    judge: Judge | None = None
    drawn: bool = False  # the turn's first reply was drawn N times (repairs draw one)

    def temperatures(self) -> list[float]:
        step, top = 0.3, 1.5  # 0.1 -> 0.4 -> 0.7 -> 1.0: from the persona's own to creative
        return [round(min(self.base_temperature + i * step, top), 2) for i in range(self.n)]


@dataclass
class TurnDeps:
    """What a turn needs from the engine; tests build it with real parts and fakes."""

    settings: Settings
    store: Store
    root: Path
    repo: IngleRepo | None
    persona: ResolvedPersona
    backend_for: Callable[[Rung], ModelBackend]
    approver: Approver
    rungs: list[Rung]
    gates: GateCheck | None = None
    repo_map: RepoMapper | None = None
    commit_message: CommitMessager | None = None
    required_gates: tuple[str, ...] = ()
    tests: TestCheck | None = None  # the test gate, when on
    rung_timeout_s: float | None = None
    # Why Claude is not on the ladder (no key, cap reached, local-only), for the final message.
    claude_withheld: str = ""
    route_notes: list[str] = field(default_factory=list)  # the router's decisions
    route_stop: str = ""  # the router says the turn cannot run (and what to do)
    # The few-shot examples for this repository and task (None: the persona's own).
    examples: list[tuple[str, str]] | None = None
    # Token estimators, tree-sitter grammars and the history compactor (None: from `store`,
    # without compaction: older turns are left out when they do not fit).
    context: ContextTools | None = None
    # Parts other features add to every attempt's prompt (memories), fitted by the planner.
    context_extras: list[ExtraPart] = field(default_factory=list)
    # Best-of-N on the first attempt (core/agent/best_of.py); None: one reply.
    best_of: BestOf | None = None


@dataclass
class TurnOptions:
    mode: TurnMode = "code"
    # The classifier says the instruction is a question: a reply without an edit answers it.
    question: bool = False
    task_kind: str | None = None  # for the ledger: code, architecture, ... (default: mode)
    commit: bool = True
    allow_new_files: bool = True
    run_suggested_shell: bool = True  # still subject to approval


@dataclass
class TurnTotals:
    prompt: int = 0
    output: int = 0
    thinking: int = 0
    cost: float = 0.0
    estimated: bool = False  # some call's server sent no usage: its counts are estimates

    def add(self, usage: Usage) -> None:
        self.estimated = self.estimated or usage.estimated
        self.prompt += usage.prompt_tokens
        self.output += usage.output_tokens
        self.thinking += usage.thinking_tokens
        self.cost += usage.cost_usd or 0.0


@dataclass
class Attempt:
    """One model call of a turn and what became of it. A phase that finds a problem sets
    `failure` (the repair prompt for the model), `problem` (the same for the person),
    `reason` (one line, for the next AttemptStarted) and `verdict` (for the ledger)."""

    number: int
    rung: Rung
    reply: str = ""
    call_ids: list[int] = field(default_factory=list)
    parsed: ParsedReply | None = None
    failure: str = ""
    problem: str = ""
    reason: str = ""
    verdict: str = "passed"
    skipped: bool = False  # the rung could not take the prompt: no call was made
    # Best-of-N already verified this reply's candidate: its events and verdict (replayed)
    verified: tuple[list[TurnEvent], Attempt] | None = None

    def fail(self, failure: str, problem: str, reason: str, verdict: str) -> None:
        self.failure, self.problem, self.reason, self.verdict = failure, problem, reason, verdict


@dataclass
class TurnState:
    chat_files: list[str]
    originals: dict[str, str]  # file -> text on disk at the start (absent: new file)
    candidate: dict[str, str]  # file -> text with every applied edit so far
    created: set[str] = field(default_factory=set)
    exchange: list[ChatMessage] = field(default_factory=list)  # this turn's replies + repairs
    shell_commands: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, str]:
        return {p: t for p, t in self.candidate.items() if self.originals.get(p) != t}

    def load(self, root: Path, paths: list[str]) -> list[str]:
        """Read files into the turn; returns notices for any that cannot be used."""
        notices = []
        for rel in paths:
            if rel in self.chat_files:
                continue
            path = root / rel
            if os.path.lexists(path):
                verdict = check_readable(rel, root)
                if not verdict.ok:
                    notices.append(f"{verdict.reason}; left out of the chat")
                    continue
            text = read_text_file(path)
            if text is None and path.exists():
                notices.append(f"{rel} is not UTF-8 text; left out of the chat")
                continue
            self.chat_files.append(rel)
            if text is not None:
                self.originals[rel] = self.candidate[rel] = text
        return notices

    def files_wanted(self, root: Path, parsed: ParsedReply) -> list[str]:
        """Existing repository files the reply edits or names that are not in the chat:
        regular files only, checked after resolving symlinks (core.edits.paths), and never
        one git ignores (`.env`): only the user may put such a file in the chat."""
        wanted: list[str] = []
        names = [e.path for e in parsed.edits] or parsed.mentioned_paths
        for raw in names:
            verdict = check_readable(raw, root)
            rel = verdict.path
            if not verdict.ok or rel is None or rel in self.chat_files or rel in wanted:
                continue
            wanted.append(rel)
        ignored = git_ignored(root, wanted)
        return [rel for rel in wanted if rel not in ignored]


def read_text_file(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
