"""What each `/` command does, on the chat pane's engine and conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingle.core.agent.approvals import ApprovalRequest
from ingle.core.agent.best_of import MAX_CANDIDATES
from ingle.core.agent.saved_session import ConversationEntry
from ingle.core.errors import IngleError
from ingle.core.vcs import NoIdentity
from ingle.tui.panes.chat.controls import ChatControls
from ingle.tui.panes.chat.slash_commands import BY_NAME, ParsedCommand, help_markdown
from ingle.tui.panes.chat.turn_presenter import shell_note, step
from ingle.tui.panes.registry import PANES

if TYPE_CHECKING:
    from ingle.core.lab.ab import Trial

THINK_WORDS: dict[str, bool | str | None] = {
    "on": True, "true": True, "off": False, "false": False, "auto": None,
    "low": "low", "medium": "medium", "high": "high", "max": "max",
}
KEYS_HELP = (
    "\n**Keys**: Enter send · Shift+Enter or Ctrl+J new line · Up/Down history · "
    "Tab complete · Esc interrupt · Ctrl+P commands · Ctrl+B files · F3 model log · "
    "Ctrl+T thinking · Ctrl+O open the last thought · PageUp/PageDown scroll while typing · "
    "F4 auto-apply edits · Ctrl+Q quit\n"
)


def panes_help() -> str:
    keys = " · ".join(f"{spec.key_label} {spec.title}" for spec in PANES)
    return f"\n**Panes**: {keys}\n"


def think_label(value: bool | str | None) -> str:
    return {True: "on", False: "off", None: "auto"}.get(value, str(value))  # type: ignore[arg-type]


class SlashActions:
    """One method per command. Engine calls that may block run in the screen's workers."""

    def __init__(self, screen: ChatControls) -> None:
        self.screen = screen
        self.pending_ab: Trial | None = None  # a blind A/B waiting for the user's pick
        self.forgotten: list[int] = []  # memories /forget archived, for /forget undo

    @property
    def engine(self):
        return self.screen.engine

    def note(self, text: str) -> None:
        self.screen.add_entry(ConversationEntry(kind="note", text=text))

    def say(self, text: str, style: str = "info") -> None:
        self.screen.add_entry(step(text, style))

    async def run(self, command: ParsedCommand) -> None:
        if BY_NAME[command.name].pane:
            self.screen.switch_pane(command.name)
            return
        handler = getattr(self, f"do_{command.name}")
        await handler(command)

    async def do_add(self, command: ParsedCommand) -> None:
        if not command.words:
            self.say("/add needs file names, e.g. /add src/app.py", "warn")
            return
        added = self.engine.add_files(command.words)
        self.say(f"added {', '.join(added)}" if added else "already in the chat", "ok")
        self.screen.files_changed()

    async def do_drop(self, command: ParsedCommand) -> None:
        if not command.words and not self.engine.session.chat_files:
            self.say("no files in the chat to drop", "dim")
            return
        words = command.words or list(self.engine.session.chat_files)
        dropped = self.engine.drop_files(words)
        self.say(f"dropped {', '.join(dropped)}" if dropped else "none of those were in the chat")
        self.screen.files_changed()

    async def do_files(self, command: ParsedCommand) -> None:
        files = self.engine.session.chat_files
        self.note("\n".join(f"- `{f}`" for f in files) if files else "No files in the chat yet.")

    async def do_ask(self, command: ParsedCommand) -> None:
        await self._mode("ask", command)

    async def do_code(self, command: ParsedCommand) -> None:
        await self._mode("code", command)

    async def _mode(self, mode: str, command: ParsedCommand) -> None:
        if command.argument:
            self.screen.start_turn(command.argument, mode=mode)
            return
        self.engine.session.mode = mode
        self.say("ask mode: answers only, no edits" if mode == "ask" else "code mode: edits files")
        self.screen.refresh_status()

    async def do_undo(self, command: ParsedCommand) -> None:
        result = self.engine.undo()
        if not result.done or result.undone is None:
            self.say(f"nothing undone: {result.reason}", "warn")
            return
        detail = [f"undid {result.undone.short_sha} {result.undone.subject}"]
        if result.restored:
            detail.append(f"restored {', '.join(result.restored)}")
        if result.removed:
            detail.append(f"removed {', '.join(result.removed)}")
        if result.unsaved:
            detail.append(f"your uncommitted changes to {', '.join(result.unsaved)} are back, uncommitted")
        self.say("; ".join(detail), "ok")

    async def do_diff(self, command: ParsedCommand) -> None:
        diff = self.engine.last_diff()
        if not diff:
            self.say("no Ingle commit to show yet", "dim")
            return
        self.screen.add_entry(ConversationEntry(kind="diff", text=diff, data={"path": "last Ingle commit"}))

    async def do_commit(self, command: ParsedCommand) -> None:
        repo = self.engine.repo
        if repo is None:
            self.say(f"{self.engine.root} is not a git repository", "warn")
            return
        dirty = sorted(repo.dirty_files(repo.tracked_files()))
        if not dirty:
            self.say("nothing to commit: your tracked files are clean", "dim")
            return
        info = repo.commit_user_changes(dirty, command.argument or None)
        if info is None:
            self.say("nothing to commit", "dim")
        else:
            self.say(f"committed {info.short_sha} as yours: {info.subject}", "ok")

    async def do_model(self, command: ParsedCommand) -> None:
        if not command.argument:
            self.screen.list_models()
            return
        default = command.argument == "default"
        self.engine.set_model(None if default else command.argument)
        self.say(f"model: {'the persona’s own' if default else command.argument}")
        self.screen.refresh_status()

    async def do_persona(self, command: ParsedCommand) -> None:
        if not command.argument:
            current = self.engine.session.persona
            lines = [
                f"- **{p.name}**{' (current)' if p.name == current else ''}: {p.persona.description}"
                for p in self.engine.personas()
            ]
            self.note("\n".join(lines))
            return
        persona = self.engine.set_persona(command.argument)
        self.say(f"persona: {persona.name} ({persona.model_ref.model})", "ok")
        self.screen.refresh_status()

    async def do_think(self, command: ParsedCommand) -> None:
        word = command.argument.lower()
        if word and word not in THINK_WORDS:
            self.say(f"/think {word}: use on, off, auto, low, medium, high or max", "warn")
            return
        value = THINK_WORDS[word] if word else self.screen.next_think()
        self.engine.set_think(value)
        self.say(f"thinking on the first attempt: {think_label(value)}")
        self.screen.refresh_status()

    async def do_clear(self, command: ParsedCommand) -> None:
        self.screen.new_conversation()

    async def do_tokens(self, command: ParsedCommand) -> None:
        self.say("estimating the next prompt…", "dim")
        self.screen.show_tokens()

    async def do_gates(self, command: ParsedCommand) -> None:
        session = self.engine.session
        if command.argument:
            word = command.argument.strip()
            session.gates = word if word in ("auto", "off") else [g for g in word.split(",") if g]
            self.screen.save_session()  # the choice is the session's: it survives a restart
        shown = session.gates if isinstance(session.gates, str) else ",".join(session.gates)
        self.say(f"gates: {shown}")

    async def do_test(self, command: ParsedCommand) -> None:
        word = command.argument.lower()
        if word not in ("", "on", "off"):
            self.say("/test takes on or off (or nothing, to run the tests now)", "warn")
            return
        if word:
            self.engine.session.tests = word == "on"
            state = "on" if self.engine.tests_enabled() else "off"
            self.say(f"the repository's tests on each candidate: {state}")
            return
        if self._busy("/test"):
            return
        self.screen.run_tests_now()

    async def do_escalate(self, command: ParsedCommand) -> None:
        instruction = command.argument or self.screen.last_instruction()
        if not instruction:
            self.say("/escalate needs a request (or a previous one to send again)", "warn")
            return
        refusal = self.engine.escalation_refusal()
        if refusal:  # asked for Claude: a local model instead is not what was asked
            self.say(refusal, "warn")
            return
        self.screen.start_turn(instruction, escalate="always")

    async def do_best(self, command: ParsedCommand) -> None:
        word = command.argument.lower()
        session = self.engine.session
        if word:
            n = 1 if word == "off" else int(word) if word.isdigit() else 0
            if not 1 <= n <= MAX_CANDIDATES:
                self.say(f"/best {word}: use a number from 1 to {MAX_CANDIDATES}, or off", "warn")
                return
            session.best_of = n
            self.screen.refresh_status()  # shown, and saved with the session (a restart keeps it)
        self.say(f"best of {session.best_of}: the first attempt draws {session.best_of} replies"
                 if session.best_of > 1 else "best of: off (one reply per attempt)")

    async def do_init(self, command: ParsedCommand) -> None:
        repo = self.engine.repo
        if repo is not None and repo.has_commits():
            self.say(f"{self.engine.root} is already a git repository", "info")
            return
        try:
            first = self.engine.init_git()
        except NoIdentity as exc:  # never the user's files under another name
            self.say(
                f"created a git repository in {self.engine.root}, but no first commit: git does "
                f"not know who you are (user.name and user.email are not set). {exc.hint}; "
                "then /init again makes the first commit", "warn",
            )
            self.screen.refresh_status()
            return
        what = f"; first commit {first.short_sha}: {first.subject}" if first is not None else ""
        self.say(f"created a git repository in {self.engine.root}: every change is now a commit{what}", "ok")
        self.screen.refresh_status()

    async def do_compact(self, command: ParsedCommand) -> None:
        if not self._busy("/compact"):
            self.screen.compact()

    def _busy(self, name: str) -> bool:
        if self.screen.turn_running:
            self.say(f"{name} waits for the running turn: try again when it ends (Esc interrupts it)", "warn")
        return self.screen.turn_running

    async def do_run(self, command: ParsedCommand) -> None:
        if not command.argument:
            self.say("/run needs a command, e.g. /run pytest -q", "warn")
            return
        self.screen.run_shell(command.argument)

    async def do_log(self, command: ParsedCommand) -> None:
        self.screen.show_log()

    async def do_ab(self, command: ParsedCommand) -> None:
        """`/ab A B PROMPT` runs both, shows the answers blind; `/ab 1|2|tie` picks."""
        from ingle.core.lab.service import LabService

        words = command.words
        service = LabService(self.engine.workbench)
        if len(words) == 1 and words[0] in ("1", "2", "tie"):
            trial = self.pending_ab
            if trial is None:
                self.say("no A/B waiting for a pick; /ab A B PROMPT starts one", "warn")
                return
            stored = service.pick(trial, words[0])
            self.pending_ab = None
            won = "a tie" if stored.winner == "tie" else getattr(trial, stored.winner)
            self.say(f"1 was {trial.shown[0].contestant}, 2 was {trial.shown[1].contestant}; "
                     f"stored: {won} (tag {trial.tag})", "ok")
            return
        if len(words) < 3:
            self.say("/ab needs two personas and a prompt, e.g. /ab my-coder@1 my-coder@2 "
                     "reverse a list; then /ab 1, /ab 2 or /ab tie", "warn")
            return
        a, b = words[0], words[1]
        prompt = command.argument.split(None, 2)[2]
        self.say(f"A/B: asking both (blind) …")
        trial = await service.ab(a, b, prompt)
        self.pending_ab = trial
        sections = [f"**Answer {i}** ({x.output_tokens} tokens, {x.seconds:.1f}s)\n\n{x.text}"
                    for i, x in enumerate(trial.shown, start=1)]
        self.note("\n\n---\n\n".join(sections))
        self.say("which is better? /ab 1, /ab 2 or /ab tie (labels are shown after the pick)")

    async def do_remember(self, command: ParsedCommand) -> None:
        if not command.argument:
            self.say("/remember needs the text, e.g. /remember I deploy on Fridays", "warn")
            return
        try:
            result = self.engine.memories.add(self.engine.session.persona, command.argument)
        except IngleError as exc:
            self.say(exc.message, "warn")
            return
        verb = "remembered" if result.created else "already remembered as"
        self.say(f"{verb} #{result.memory.id}: {result.memory.text}", "ok")

    async def do_forget(self, command: ParsedCommand) -> None:
        memories = self.engine.memories
        words = command.words
        try:
            if words == ["undo"]:
                if not self.forgotten:
                    self.say("nothing forgotten in this conversation to bring back", "warn")
                    return
                memory = memories.restore(self.forgotten.pop())
                self.say(f"restored #{memory.id}: {memory.text}", "ok")
                return
            if len(words) != 1 or not words[0].lstrip("#").isdigit():
                self.say("/forget needs a memory id (/memories lists them), or undo", "warn")
                return
            memory = memories.forget(int(words[0].lstrip("#")))
        except IngleError as exc:
            self.say(exc.message, "warn")
            return
        self.forgotten.append(memory.id)
        self.say(f"forgot #{memory.id}: {memory.text} (/forget undo brings it back)", "ok")

    async def do_memories(self, command: ParsedCommand) -> None:
        memories, persona = self.engine.memories, self.engine.session.persona
        try:
            found = ([s.memory for s in memories.search(persona, command.argument)]
                     if command.argument else memories.list(persona, limit=50))
        except IngleError as exc:
            self.say(exc.message, "warn")
            return
        if not found:
            self.note(f"No memories of {persona}" + (f" match '{command.argument}'." if command.argument
                      else " yet: /remember TEXT adds one."))
            return
        lines = [f"- `#{m.id}`{' (pinned)' if m.pinned else ''} {m.text}" for m in found]
        self.note(f"**Memories of {persona}** (core {memories.core_block(persona).fill})\n\n"
                  + "\n".join(lines))

    async def do_correct(self, command: ParsedCommand) -> None:
        if not command.argument:
            self.say("/correct needs the right answer, e.g. /correct Use pathlib, not os.path", "warn")
            return
        try:
            row = self.engine.correct_last_answer(command.argument)
        except IngleError as exc:
            self.say(exc.message, "warn")
            return
        self.say(f"noted correction #{row.id}: similar requests get it as an example "
                 "(`ingle memory corrections --domain chat`)", "ok")

    async def do_help(self, command: ParsedCommand) -> None:
        self.note(help_markdown() + KEYS_HELP + panes_help())

    async def do_quit(self, command: ParsedCommand) -> None:
        await self.screen.quit()


def shell_request(command: str) -> ApprovalRequest:
    return ApprovalRequest(kind="run_shell", summary=f"run `{command}`", detail=command)


__all__ = ["SlashActions", "shell_note", "shell_request", "think_label"]
