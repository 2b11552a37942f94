"""The context budget planner: fit one model call's prompt to the model's window.

Ollama silently drops the oldest messages, or half the prompt, when a prompt overflows
num_ctx (wire-protocols.md 1.6), and num_ctx is fixed per model, so the prompt is fitted
to the window, never the other way round. The window is split among the system prompt,
project instructions, memories, few-shot examples, the repo map, the chat files, the
conversation and room for the answer; an estimate of the prompt, plus a safety margin
that calibration narrows, plus that room must fit num_ctx. When it does not, parts shrink
in a fixed order, each step recorded as a decision:

1. the repo map shrinks (down to nothing),
2. older history is summarised (the orchestrator runs the summariser when the plan asks
   for it; history past its share is summarised even when everything fits), then the
   oldest turns are left out,
3. files are windowed to their relevant functions, largest first.

Room left over goes back to history, then to the map. Planning is synchronous (run it in
a worker thread: the map and tree-sitter do real work); the one step that needs a model,
summarising, is asked for in the plan and done by core/context/fitting.py.
"""

from __future__ import annotations

import math


from ingle.core.backends.types import ChatMessage
from ingle.core.context.estimator import TokenEstimator, framing_tokens
from ingle.core.context.windowing import FileWindow, window_file, words_of
from ingle.core.context.plan_types import (
    ContextInputs,
    ContextPlan,
    ContextWindow,
    MapSource,
)
from ingle.core.context.prompt_builder import ExtraPart, PromptParts, build_prompt
from ingle.core.repomap.languages import Grammars

HISTORY_SHARE = 0.25  # of the prompt budget; history past it is summarised
KEEP_EXCHANGES = 2  # the last exchanges always stay verbatim when history is summarised
MIN_MAP_TOKENS = 128  # a smaller map shows too little to be worth its heading
SMALL_WINDOW_TOKENS = 8192  # a window this small keeps one few-shot example at most
MAP_CHARS_PER_TOKEN = 4  # the repo map's own estimate (core/repo_render.py)
# (a repo map request gets a budget in the map's units, and is measured in the model's)

def instruction_identifiers(text: str) -> set[str]:
    """Names in the instruction that may be code: whole words, without common English."""
    from ingle.core.repomap.map import identifiers_in

    return identifiers_in(text) & words_of(text)


def split_exchanges(history: list[ChatMessage]) -> list[list[ChatMessage]]:
    """History as exchanges, each from a user message up to the next one."""
    exchanges: list[list[ChatMessage]] = []
    for message in history:
        if message.role == "user" or not exchanges:
            exchanges.append([message])
        else:
            exchanges[-1].append(message)
    return exchanges


def summary_budget(window: ContextWindow) -> int:
    """The size a running summary should stay under: half of history's share."""
    return min(max(int(window.prompt_budget * HISTORY_SHARE) // 2, 128), 1024)


def essential_tokens(inputs: ContextInputs, estimator: TokenEstimator) -> int:
    """What a prompt needs before any shrinking that loses little: everything but the
    repo map and the older turns a summary would replace, with the safety margin. The
    router uses it to send a long prompt to a model with a larger window."""
    turns = split_exchanges(inputs.history)[-KEEP_EXCHANGES:]
    parts = PromptParts(
        system_prompt=inputs.system_prompt,
        examples=inputs.examples,
        instructions=inputs.instructions,
        memories=inputs.memories,
        extras=inputs.extras,
        files=inputs.files,
        history_summary=inputs.history_summary,
        history=[m for turn in turns for m in turn] + inputs.attempts,
        instruction=inputs.instruction,
    )
    tokens = estimator.messages_tokens(build_prompt(parts, estimator.tokens).messages)
    return math.ceil(tokens * (1 + estimator.margin))


def plan_context(
    inputs: ContextInputs,
    window: ContextWindow,
    estimator: TokenEstimator,
    grammars: Grammars,
    repo_map: MapSource | None = None,
    map_default: int = 0,
    *,
    allow_compaction: bool = True,
) -> ContextPlan:
    """Plan one attempt's prompt. `map_default` is the map's size when there is room."""
    return _Planner(inputs, window, estimator, grammars).run(
        repo_map, map_default if repo_map is not None else 0, allow_compaction
    )


class _Planner:
    def __init__(
        self,
        inputs: ContextInputs,
        window: ContextWindow,
        estimator: TokenEstimator,
        grammars: Grammars,
    ) -> None:
        self.inputs = inputs
        self.window = window
        self.budget = window.prompt_budget
        self.est = estimator
        self.grammars = grammars
        self.decisions: list[str] = [window.describe(estimator.samples)]
        self.turns = split_exchanges(inputs.history)
        self.to_summarise = 0  # oldest exchanges the summariser is asked to fold
        self.summary_reserve = 0  # tokens held for that summary
        self.dropped_turns = 0  # further oldest exchanges left out
        attempts = inputs.attempts
        self.attempt_head = attempts[:1]
        self.attempt_tail = attempts[-1:] if len(attempts) > 1 else []
        middle = attempts[1:-1]
        self.attempt_pairs = [middle[i : i + 2] for i in range(0, len(middle), 2)]
        self.dropped_pairs = 0
        self.examples = list(inputs.examples)
        self.files = dict(inputs.files)
        self.windowed: dict[str, FileWindow] = {}
        self.map_text = ""
        self.extras = [part.model_copy(deep=True) for part in inputs.extras]

    # -- measuring ------------------------------------------------------------------

    def parts(self) -> PromptParts:
        history = [m for turn in self.turns[self.to_summarise + self.dropped_turns :] for m in turn]
        history += self.attempt_head
        history += [m for pair in self.attempt_pairs[self.dropped_pairs :] for m in pair]
        history += self.attempt_tail
        return PromptParts(
            system_prompt=self.inputs.system_prompt,
            examples=self.examples,
            instructions=self.inputs.instructions,
            memories=self.inputs.memories,
            extras=[part for part in self.extras if part.items or part.intro],
            repo_map=self.map_text,
            files=self.files,
            windowed_files=sorted(self.windowed),
            history_summary=self.inputs.history_summary,
            history=history,
            instruction=self.inputs.instruction,
        )

    def measure(self) -> tuple[list[ChatMessage], dict[str, int], int]:
        built = build_prompt(self.parts(), self.est.tokens)
        sections = dict(built.sections)
        sections["history"] = sections.get("history", 0) + self.summary_reserve
        sections["overhead"] = framing_tokens(len(built.messages))  # the chat template's
        return built.messages, sections, sum(sections.values())

    def total(self) -> int:
        return self.measure()[2]

    # -- the steps ------------------------------------------------------------------

    def run(
        self, repo_map: MapSource | None, map_default: int, allow_compaction: bool
    ) -> ContextPlan:
        self._fit_examples(keep=1)
        self._fit_extras()
        compaction_wanted = self._history_share(allow_compaction)
        map_budget = self._map_room(map_default)
        if map_budget == 0:
            self._drop_history()
            self._window_files()
            self._give_back_history()
            room = self.budget - self.total()
            map_budget = min(map_default, room) if room >= MIN_MAP_TOKENS else 0
        if repo_map is not None and map_budget > 0:
            self._fetch_map(repo_map, map_budget)
        self._fit_examples(keep=0)
        self._note_map(map_default, map_budget)
        self._note_history()
        messages, sections, tokens = self.measure()
        return ContextPlan(
            window=self.window,
            parts=self.parts(),
            messages=messages,
            sections=sections,
            tokens=tokens,
            fits=tokens <= self.budget,
            decisions=self.decisions,
            compaction_wanted=compaction_wanted,
            older_turns=self.to_summarise,
            summary_tokens=summary_budget(self.window),
            file_tokens={p: self.est.tokens(t) for p, t in self.inputs.files.items()},
            windowed=self.windowed,
        )

    def _fit_extras(self) -> None:
        """Each extra part within its share; then, while the prompt is over budget, their
        last items go first (a part with none left goes entirely)."""
        for part in self.extras:
            cap = int(self.budget * part.max_share)
            before = len(part.items)
            while part.items and self.est.tokens(_rendered(part)) > cap:
                part.items.pop()
            if self.est.tokens(_rendered(part)) > cap:
                part.intro = ""
            if len(part.items) < before or not part.intro and not part.items:
                self.decisions.append(f"{part.name}: {len(part.items)} of {before} item(s) kept "
                                      f"within its share ({cap} tokens)")
        for part in reversed(self.extras):
            while (part.items or part.intro) and self.total() > self.budget:
                if part.items:
                    part.items.pop()
                else:
                    part.intro = ""
                    self.decisions.append(f"{part.name} left out: no room")

    def _fit_examples(self, keep: int) -> None:
        """Examples go first when room is short: they teach the format, the files and
        the history are the task. A small window keeps one at most, and the last one
        goes only when nothing else made the prompt fit (`keep=0`)."""
        total = len(self.inputs.examples)
        if self.window.num_ctx <= SMALL_WINDOW_TOKENS:
            self.examples = self.examples[:1]
        while len(self.examples) > keep and self.total() > self.budget:
            self.examples.pop()
        # Older turns of the conversation matter more than the last example.
        while keep == 0 and self.examples and (self.dropped_turns or self.dropped_pairs):
            self.examples.pop()
            self._give_back_history()
        if len(self.examples) < total:
            self.decisions[:] = [d for d in self.decisions if not d.startswith("examples: ")]
            self.decisions.append(
                f"examples: {len(self.examples)} of {total} kept for {self.window.model}'s "
                f"{self.window.num_ctx}-token window"
            )

    def _history_share(self, allow_compaction: bool) -> bool:
        """Ask for a summary of the older turns when history passes its share of the
        budget or the prompt cannot fit without the map; size the plan as if done."""
        older = len(self.turns) - KEEP_EXCHANGES
        if not allow_compaction or older <= 0:
            return False
        session = self.inputs.history_summary + "".join(
            m.content for turn in self.turns for m in turn
        )
        history_tokens = self.est.tokens(session)
        share = int(self.budget * HISTORY_SHARE)
        if history_tokens <= share and self.total() <= self.budget:
            return False
        self.to_summarise = older
        self.summary_reserve = max(
            summary_budget(self.window) - self.est.tokens(self.inputs.history_summary), 0
        )
        why = "passes its share" if history_tokens > share else "does not fit"
        self.decisions.append(
            f"history ({history_tokens} tokens) {why} of {share}: {older} older turn(s) to be summarised"
        )
        return True

    def _map_room(self, map_default: int) -> int:
        if map_default <= 0:
            return 0
        room = self.budget - self.total()
        if room >= map_default:
            return map_default
        return room if room >= MIN_MAP_TOKENS else 0

    def _drop_history(self) -> None:
        """Leave out whole exchanges, oldest first: the session's, then this turn's
        earlier attempts (never the instruction nor the latest reply and its failure)."""
        while self.total() > self.budget:
            if self.to_summarise + self.dropped_turns < len(self.turns):
                self.dropped_turns += 1
            elif self.dropped_pairs < len(self.attempt_pairs):
                self.dropped_pairs += 1
            else:
                return

    def _window_files(self) -> None:
        """Largest files first: keep the relevant definitions and the first line of the
        others; if that is not enough, a second pass leaves the others out entirely.
        Then undo what turned out not to be needed, last step first."""
        identifiers = instruction_identifiers(self.inputs.focus)
        steps: list[tuple[str, str, FileWindow | None]] = []  # path, text before, window before
        for outline in (True, False):
            for path in sorted(self.inputs.files, key=lambda p: -len(self.inputs.files[p])):
                if self.total() <= self.budget:
                    break
                if path in self.inputs.pinned:
                    continue
                edited = self.inputs.edited_lines.get(path, [])
                window = window_file(
                    path,
                    self.inputs.files[path],
                    identifiers,
                    edited,
                    self.grammars,
                    outline=outline,
                )
                if window is None or self.est.tokens(window.text) >= self.est.tokens(
                    self.files[path]
                ):
                    continue
                steps.append((path, self.files[path], self.windowed.get(path)))
                self.files[path] = window.text
                self.windowed[path] = window
        if self.total() <= self.budget:
            for path, text, window in reversed(steps):
                now_text, now_window = self.files[path], self.windowed[path]
                self._set_file(path, text, window)
                if self.total() > self.budget:
                    self._set_file(path, now_text, now_window)
        for path, window in self.windowed.items():
            count = len(window.kept)
            names = f" ({', '.join(window.kept)})" if window.kept else " (outline only)"
            before, after = self.est.tokens(self.inputs.files[path]), self.est.tokens(window.text)
            self.decisions.append(
                f"{path} windowed to {count} function{'s' if count != 1 else ''}{names}: "
                f"{before} -> {after} tokens, {window.hidden_lines} of {window.total_lines} "
                "lines not shown"
            )

    def _set_file(self, path: str, text: str, window: FileWindow | None) -> None:
        self.files[path] = text
        if window is None:
            self.windowed.pop(path, None)
        else:
            self.windowed[path] = window

    def _give_back_history(self) -> None:
        """Room left after windowing goes back to the newest left-out exchanges."""
        while self.dropped_pairs > 0:
            self.dropped_pairs -= 1
            if self.total() > self.budget:
                self.dropped_pairs += 1
                return
        while self.dropped_turns > 0:
            self.dropped_turns -= 1
            if self.total() > self.budget:
                self.dropped_turns += 1
                return

    def _fetch_map(self, repo_map: MapSource, budget: int) -> None:
        """Ask for the map in its own units, check it in the model's, and ask once more
        for a smaller one if the estimates disagree; drop it if it still does not fit."""
        base = self.total()
        request = int(budget * self.est.chars_per_token / MAP_CHARS_PER_TOKEN)
        for _ in range(2):
            self.map_text = repo_map(request) if request > 0 else ""
            over = self.total() - self.budget
            if over <= 0:
                return
            shown = max(self.total() - base, 1)
            request = int(request * (shown - over) / shown * 0.9)
        self.map_text = ""

    def _note_map(self, map_default: int, map_budget: int) -> None:
        if map_default <= 0:
            return
        if map_budget <= 0 or (not self.map_text and map_budget < map_default):
            self.decisions.append(
                f"repo map left out: no room in {self.window.model}'s {self.window.num_ctx}-token window"
            )
        elif self.map_text and map_budget < map_default:
            shown = self.est.tokens(self.map_text)
            self.decisions.append(f"repo map cut from {map_default} to {shown} tokens")

    def _note_history(self) -> None:
        if self.dropped_turns:
            self.decisions.append(
                f"history: {self.dropped_turns} more older turn(s) left out to fit"
            )
        if self.dropped_pairs:
            self.decisions.append(
                f"this turn: {self.dropped_pairs} earlier attempt(s) left out to fit "
                "(the latest reply and what went wrong stay)"
            )


def _rendered(part: ExtraPart) -> str:
    return "\n".join([part.title, part.intro, *part.items])
