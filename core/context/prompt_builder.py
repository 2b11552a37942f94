"""Assemble the messages of one model call from a turn's context.

Order matters for small local models: the persona's skeleton prompt first, then
read-only project instructions and remembered facts, then the repository map, then
the files in the chat (the text edits must match), then few-shot examples as prior
exchanges, then the conversation so far (a running summary of older turns first,
when history was compacted), and the instruction last where the model attends most.

What goes in is decided by the context planner (core/context/planner.py), which fits
it to the model's window; this module only lays it out and counts it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from ingle.core.backends.types import ChatMessage

TokenEstimator = Callable[[str], int]


def chars_per_token_estimate(text: str) -> int:
    """The prior used until a model's own counts calibrate it: about 4 chars a token."""
    return (len(text) + 3) // 4


class ExtraPart(BaseModel):
    """A part some feature adds to the prompt (the planner does not know what it is): a
    heading, an intro always shown with it, and items, least important last, that are
    dropped from the end to keep the part within `max_share` of the prompt budget, and
    to make the prompt fit before anything else shrinks. The part goes when no item fits."""

    name: str  # its section in the token breakdown
    title: str
    intro: str = ""
    items: list[str] = Field(default_factory=list)
    max_share: float = Field(0.1, gt=0, le=1)


class PromptParts(BaseModel):
    """Everything a turn may send; the builder decides layout, never content."""

    system_prompt: str
    examples: list[tuple[str, str]] = Field(default_factory=list)
    instructions: dict[str, str] = Field(default_factory=dict)  # path -> text (read-only)
    memories: list[str] = Field(default_factory=list)  # remembered facts, most relevant first
    extras: list[ExtraPart] = Field(default_factory=list)  # parts other features add
    repo_map: str = ""
    files: dict[str, str] = Field(default_factory=dict)  # path -> current (candidate) text
    windowed_files: list[str] = Field(default_factory=list)  # files shown only in part
    history_summary: str = ""  # the running summary of compacted older turns
    history: list[ChatMessage] = Field(default_factory=list)
    instruction: str


class BuiltPrompt(BaseModel):
    messages: list[ChatMessage]
    sections: dict[str, int]  # estimated tokens per section


def fence_for(text: str) -> str:
    """A backtick fence longer than any run of backticks inside the text."""
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    return "`" * max(3, longest + 1)


def render_file(path: str, text: str) -> str:
    fence = fence_for(text)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{path}\n{fence}\n{body}{fence}"


def _section(title: str, body: str) -> str:
    return f"# {title}\n\n{body.strip()}\n"


FILES_TITLE = "Files in the chat (edit these; SEARCH text must match exactly)"
WINDOWED_NOTE = (
    "Some files are shown in part ({paths}): a comment line like "
    "`... (lines 40-120 not shown: ask for them) ...` stands for lines left out. "
    "Never copy such a line into a REPLACE section; to see those lines, say which you need."
)
SUMMARY_INTRO = "Summary of our earlier conversation (older turns were compacted):"


def summary_message(summary: str) -> ChatMessage:
    return ChatMessage(role="user", content=f"{SUMMARY_INTRO}\n\n{summary.strip()}")


def build_prompt(parts: PromptParts, estimate: TokenEstimator = chars_per_token_estimate) -> BuiltPrompt:
    system_sections: list[tuple[str, str]] = [("system", parts.system_prompt.strip() + "\n")]
    if parts.instructions:
        body = "\n\n".join(render_file(p, t) for p, t in parts.instructions.items())
        system_sections.append(
            ("instructions", _section("Project instructions (read-only, follow them)", body))
        )
    if parts.memories:
        body = "\n".join(f"- {m.strip()}" for m in parts.memories)
        system_sections.append(("memories", _section("Things to remember", body)))
    for part in parts.extras:
        body = "\n".join(t for t in (part.intro, *part.items) if t)
        system_sections.append((part.name, _section(part.title, body)))
    if parts.repo_map:
        system_sections.append(
            (
                "repo_map",
                _section(
                    "Repository map (other files, for reference; ask for a file before editing it)",
                    parts.repo_map,
                ),
            )
        )
    if parts.files:
        body = "\n\n".join(render_file(p, t) for p, t in parts.files.items())
        if parts.windowed_files:
            body = WINDOWED_NOTE.format(paths=", ".join(parts.windowed_files)) + "\n\n" + body
        system_sections.append(("files", _section(FILES_TITLE, body)))
    sections = {name: estimate(text) for name, text in system_sections}
    messages = [ChatMessage(role="system", content="\n".join(t for _, t in system_sections))]
    example_tokens = 0
    for question, answer in parts.examples:
        messages.append(ChatMessage(role="user", content=question))
        messages.append(ChatMessage(role="assistant", content=answer))
        example_tokens += estimate(question) + estimate(answer)
    sections["examples"] = example_tokens
    history = list(parts.history)
    if parts.history_summary.strip():
        history.insert(0, summary_message(parts.history_summary))
    messages.extend(history)
    sections["history"] = sum(estimate(m.content) for m in history)
    messages.append(ChatMessage(role="user", content=parts.instruction))
    sections["instruction"] = estimate(parts.instruction)
    return BuiltPrompt(messages=messages, sections=sections)


def read_instruction_files(root: Path, names: Sequence[str], limit_bytes: int = 64_000) -> Mapping[str, str]:
    """Project instruction files, capped in size: in a git repository only files git
    tracks (after resolving symlinks), so a repository's config cannot name `.env` or any
    other ignored or untracked file into a prompt; elsewhere, regular files inside `root`."""
    found: dict[str, str] = {}
    real_root = root.resolve()
    candidates: dict[str, Path] = {}
    for name in names:
        try:
            resolved = (root / name).resolve()
            if resolved.is_relative_to(real_root) and resolved.is_file():
                candidates[name] = resolved
        except OSError:
            continue
    tracked = _tracked(real_root, [*candidates, *(p.relative_to(real_root).as_posix() for p in candidates.values())])
    for name, resolved in candidates.items():
        rel = resolved.relative_to(real_root).as_posix()
        if ".git" in Path(rel).parts or (tracked is not None and not {name, rel} <= tracked):
            continue
        try:
            found[name] = resolved.read_bytes()[:limit_bytes].decode("utf-8", errors="replace")
        except OSError:
            continue
    return found


def _tracked(root: Path, paths: Sequence[str]) -> set[str] | None:
    """The paths among `paths` git tracks; None when `root` is not in a git work tree."""
    if not paths:
        return set()
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--full-name", "--", *paths],
            capture_output=True, text=True, check=False,
            env={**os.environ, "GIT_LITERAL_PATHSPECS": "1"},
        )
    except OSError:
        return None
    return {p for p in done.stdout.split("\0") if p} if done.returncode == 0 else None
