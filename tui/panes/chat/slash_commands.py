"""The `/` commands the prompt understands: names, arguments and help, and parsing."""

from __future__ import annotations

import shlex

from pydantic import BaseModel

from ingle.tui.panes.registry import PANES


class SlashCommand(BaseModel):
    name: str  # without the slash
    args: str = ""  # how the arguments read in help, e.g. "FILE..."
    help: str
    pane: bool = False  # switches to the pane of this name (derived from the pane registry)


class ParsedCommand(BaseModel):
    name: str
    argument: str = ""  # the rest of the line, stripped

    @property
    def words(self) -> list[str]:
        """The argument's words; quotes keep a name with spaces whole (`/add "my notes.txt"`)."""
        try:
            return shlex.split(self.argument)
        except ValueError:  # an apostrophe in prose, an unclosed quote: plain words
            return self.argument.split()


_COMMANDS: tuple[SlashCommand, ...] = (
    SlashCommand(name="add", args="FILE...", help="add files to the chat"),
    SlashCommand(name="drop", args="[FILE...]", help="remove files from the chat (all without arguments)"),
    SlashCommand(name="files", help="list the files in the chat"),
    SlashCommand(name="ask", args="[TEXT]", help="ask without editing (switches to ask mode without TEXT)"),
    SlashCommand(name="code", args="[TEXT]", help="edit files (switches to code mode without TEXT)"),
    SlashCommand(name="undo", help="revert Ingle's last commit"),
    SlashCommand(name="diff", help="show the diff of Ingle's last commit"),
    SlashCommand(name="commit", args="[MESSAGE]", help="commit your uncommitted changes as your own"),
    SlashCommand(name="model", args="[NAME|default]", help="list the installed models; NAME: use it first; default: the persona's"),
    SlashCommand(name="persona", args="[NAME]", help="switch persona (lists them without NAME)"),
    SlashCommand(name="think", args="[on|off|auto|low|medium|high]", help="thinking for the first attempt"),
    SlashCommand(name="clear", help="start a new conversation (files stay in the chat)"),
    SlashCommand(name="tokens", help="what the next turn would send, against the model's window"),
    SlashCommand(name="gates", args="[auto|off|NAME,...]", help="which gates check edits"),
    SlashCommand(name="test", args="[on|off]", help="run the tests now; on/off: run them on each candidate"),
    SlashCommand(name="escalate", args="[TEXT]", help="send TEXT (or the last request again) straight to Claude"),
    SlashCommand(name="best", args="[N|off]",
                 help="draw N first replies at spread temperatures; keep the first that passes "
                 "gates and tests, else the judge's pick"),
    SlashCommand(name="init", help="create a git repository here, so every change can be undone"),
    SlashCommand(name="compact", help="summarise older turns to free context"),
    SlashCommand(name="run", args="COMMAND", help="run a shell command (after you confirm)"),
    SlashCommand(name="log", help="the exact requests and replies of recent model calls"),
    SlashCommand(name="ab", args="A B PROMPT | 1|2|tie",
                 help="blind A/B of two persona versions or models (my-coder@1 my-coder@2 ...); "
                 "then pick"),
    SlashCommand(name="remember", args="TEXT", help="remember TEXT for this persona (a memory)"),
    SlashCommand(name="forget", args="ID | undo", help="forget memory ID (archived; /forget undo brings it back)"),
    SlashCommand(name="memories", args="[QUERY]", help="this persona's memories (those matching QUERY)"),
    SlashCommand(name="correct", args="TEXT",
                 help="the last answer should have been TEXT (kept as an example for similar requests)"),
    SlashCommand(name="help", help="list these commands and the keys"),
    SlashCommand(name="quit", help="leave Ingle (the conversation is saved)"),
)

# Every pane but this one gets its command from its registry row: /personas, /evals, ...
_PANE_COMMANDS = tuple(
    SlashCommand(name=spec.name, help=f"open the {spec.title} pane ({spec.key_label}): {spec.description}", pane=True)
    for spec in PANES
    if spec.name != "chat" and spec.name not in {c.name for c in _COMMANDS}
)
SLASH_COMMANDS: tuple[SlashCommand, ...] = _COMMANDS + _PANE_COMMANDS

BY_NAME: dict[str, SlashCommand] = {command.name: command for command in SLASH_COMMANDS}


class UnknownCommand(ValueError):
    """A `/word` that is not a command; the message suggests the closest ones."""


def parse_slash(line: str) -> ParsedCommand | None:
    """A `/command args` line, or None when the text is not a command.

    Raises UnknownCommand for `/nonsense`."""
    text = line.strip()
    if not text.startswith("/") or text.startswith("//"):
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.strip().lower()
    if name not in BY_NAME:
        close = [c.name for c in SLASH_COMMANDS if c.name.startswith(name[:2])] if name else []
        hint = f"; did you mean {', '.join('/' + c for c in close)}?" if close else ""
        raise UnknownCommand(f"/{name} is not a command{hint} (/help lists them)")
    return ParsedCommand(name=name, argument=rest.strip())


def commands_starting(prefix: str) -> list[SlashCommand]:
    prefix = prefix.lower()
    return [command for command in SLASH_COMMANDS if command.name.startswith(prefix)]


def help_markdown() -> str:
    rows = "\n".join(
        f"| `/{_cell(c.name + (' ' + c.args if c.args else ''))}` | {_cell(c.help)} |"
        for c in SLASH_COMMANDS
    )
    return f"| command | what it does |\n|---|---|\n{rows}\n"


def _cell(text: str) -> str:
    """A `|` inside a table cell ends the cell, even in a code span (GFM): escape it."""
    return text.replace("|", "\\|")
