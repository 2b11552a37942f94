"""Planning a reply's edits in memory: every block applied or refused, nothing written.

Blocks apply in order on the evolving text of each file, so several blocks for one file
compose. Every block gets a `BlockOutcome`; if any block is refused the plan is not ok,
carries no new contents at all (a failed plan must never be written, not even partly)
and has a failure message for the model. Paths are checked by `core.edits.paths`, text
is matched by `core.edits.ladder`, and a SEARCH that is not in the named file is looked
for in the other chat files (models often name the wrong one), applying only if exactly
one of them has it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from ingle.core.edits.closest import closest_lines
from ingle.core.edits.ladder import LadderResult, apply_search_replace, count_exact
from ingle.core.edits.models import (
    ApplyStep,
    BlockOutcome,
    EditBlock,
    EditPlan,
    RefusalCode,
)
from ingle.core.edits.newlines import TextStyle, apply_style, style_of, to_lf
from ingle.core.edits.paths import PathVerdict, check_edit_path, normalise
from ingle.core.edits.report import failure_message
from ingle.core.edits.whole_file import whole_file_refusal


class _Unreadable(Exception):
    pass


def plan_edits(
    edits: Sequence[EditBlock],
    files: Mapping[str, str],
    repo_root: Path,
    *,
    allow_new_files: bool,
    chat_files: Collection[str],
) -> EditPlan:
    """Apply `edits` to `files` (the chat files' current text, keyed by repo-relative
    posix path) in memory. Reads nothing but path metadata (and a chat file missing
    from `files`), writes nothing."""
    planner = _Planner(files, Path(repo_root), allow_new_files, chat_files)
    for index, block in enumerate(edits):
        planner.apply(index, block)
    return planner.finish()


class _Planner:
    def __init__(
        self,
        files: Mapping[str, str],
        repo_root: Path,
        allow_new_files: bool,
        chat_files: Collection[str],
    ) -> None:
        self.root = repo_root
        self.allow_new_files = allow_new_files
        self.originals: dict[str, str] = {}
        self.styles: dict[str, TextStyle] = {}
        for key, text in files.items():
            rel = normalise(key).path
            if rel is not None:
                self.originals[rel] = to_lf(text)
                self.styles[rel] = style_of(text)
        self.chat = {rel for key in chat_files if (rel := normalise(key).path) is not None}
        self.working: dict[str, str] = {}
        self.created: set[str] = set()
        self.changed_by: dict[str, list[int]] = {}
        self.outcomes: list[BlockOutcome] = []
        self.not_in_chat: set[str] = set()

    # -- per block --------------------------------------------------------------------

    def apply(self, index: int, block: EditBlock) -> None:
        if block.problem:
            self._refuse(index, block, "malformed", f"the block is incomplete: {block.problem}")
            return
        block = self._chat_file_by_suffix(block)
        verdict = check_edit_path(
            block.path,
            self.root,
            chat_files=self.chat,
            allow_new_files=self.allow_new_files,
            contents={**self.originals, **self.working},
        )
        if not verdict.ok or verdict.path is None:
            self._path_refused(index, block, verdict)
            return
        rel = verdict.path
        try:
            current = self._text(rel)
        except _Unreadable as exc:
            self._refuse(index, block, "binary_file", str(exc), file=rel)
            return
        if block.only_new and current is not None and rel not in self.created:
            # A snippet of an existing file shown beside the real edits: not an edit.
            self.outcomes.append(BlockOutcome(
                index=index, line=block.line, path=block.path, applied=True, step="illustration",
                reason=f"fenced code for the existing {rel} left out: the SEARCH/REPLACE blocks are the edits",
            ))  # fmt: skip
            return
        if block.kind == "whole_file":
            self._whole_file(index, block, rel, current, verdict.note)
        elif block.kind == "new_file":
            self._empty_search(index, block, rel, current, verdict.note)
        elif current is None:
            if not self._try_other_files(index, block, rel):
                self._refuse(
                    index, block, "no_match",
                    f"{rel} does not exist; to create it, send a block with an empty SEARCH",
                    file=rel,
                )  # fmt: skip
        else:
            self._search_replace(index, block, rel, current, verdict.note)

    def _chat_file_by_suffix(self, block: EditBlock) -> EditBlock:
        """A path that does not exist (`path/to/sample.txt`, copied from a prompt's
        example) is the chat file it ends with, when exactly one matches best: an edit
        to the file the person meant, never a new file beside it."""
        rel = normalise(block.path).path
        if rel is None or rel in self.chat or rel in self.working:
            return block
        try:
            if (self.root / rel).exists():
                return block
        except OSError:  # a name too long for the file system: the path check refuses it
            return block
        parts = rel.split("/")
        scored: list[tuple[int, str]] = []
        for chat in self.chat:
            theirs = chat.split("/")
            k = 0
            while k < min(len(parts), len(theirs)) and parts[-1 - k] == theirs[-1 - k]:
                k += 1
            if k:
                scored.append((k, chat))
        if not scored:
            return block
        best = max(k for k, _ in scored)
        matches = [chat for k, chat in scored if k == best]
        if len(matches) != 1:
            return block
        return block.model_copy(update={"path": matches[0]})

    def _path_refused(self, index: int, block: EditBlock, verdict: PathVerdict) -> None:
        code = verdict.refusal or "bad_path"
        if code == "not_in_chat" and verdict.path:
            self.not_in_chat.add(verdict.path)
        # A SEARCH for a file that does not exist: probably the wrong name for a chat file.
        wrong_name = code == "new_file_not_allowed" and block.kind == "search_replace"
        if wrong_name and self._try_other_files(index, block, None):
            return
        self._refuse(index, block, code, verdict.reason, file=verdict.path)

    def _whole_file(
        self, index: int, block: EditBlock, rel: str, current: str | None, note: str
    ) -> None:
        if current is None:
            self._applied(index, block, rel, block.replace, "new_file", created=True, note=note)
            return
        refusal = whole_file_refusal(rel, current, block.replace)
        if refusal is not None:
            self._refuse(index, block, refusal[0], refusal[1], file=rel)
            return
        self._applied(index, block, rel, block.replace, "whole_file", note=note)

    def _empty_search(
        self, index: int, block: EditBlock, rel: str, current: str | None, note: str
    ) -> None:
        if current is None:
            self._applied(index, block, rel, block.replace, "new_file", created=True, note=note)
        elif not current.strip():
            self._applied(index, block, rel, block.replace, "new_file", note=note)
        elif rel in self.created:
            # A second empty-SEARCH block for a file this reply creates: a continuation.
            self._applied(index, block, rel, current + block.replace, "new_file", note=note)
        else:
            lines = current.count("\n") + (not current.endswith("\n"))
            self._refuse(
                index, block, "file_exists",
                f"SEARCH is empty (create a file) but {rel} already has {lines} lines; to "
                "change it, put the lines to replace in SEARCH; to add at the end, SEARCH for "
                "its last lines and repeat them in REPLACE followed by the new ones",
                file=rel,
            )  # fmt: skip

    def _search_replace(
        self, index: int, block: EditBlock, rel: str, current: str, note: str
    ) -> None:
        result = apply_search_replace(current, block.search, block.replace, rel)
        if result.text is not None and result.step is not None:
            self._applied(index, block, rel, result.text, result.step, note=note)
            return
        if result.failure == "no_match" and self._try_other_files(index, block, rel):
            return
        self._match_failed(index, block, rel, current, result)

    def _try_other_files(self, index: int, block: EditBlock, named: str | None) -> bool:
        """Apply the block to the one other chat file whose text has its SEARCH."""
        hits: list[tuple[str, LadderResult]] = []
        for rel in sorted(self.chat):
            if rel == named:
                continue
            try:
                current = self._text(rel)
            except _Unreadable:
                continue
            if not current:
                continue
            result = apply_search_replace(current, block.search, block.replace, rel)
            if result.text is not None or result.failure == "ambiguous_match":
                hits.append((rel, result))
        if len(hits) != 1 or hits[0][1].text is None:
            return False
        rel, result = hits[0]
        named_text = f"not found in {named}; " if named else f"{block.path} does not exist; "
        self._applied(
            index,
            block,
            rel,
            result.text or "",
            "other_file",
            note=named_text + f"applied to {rel}",
        )
        return True

    def _match_failed(
        self, index: int, block: EditBlock, rel: str, current: str, result: LadderResult
    ) -> None:
        code: RefusalCode = result.failure or "no_match"
        reason = result.detail or "SEARCH was not found"
        closest = None
        if code == "no_match":
            earlier = self.changed_by.get(rel, [])
            original = self.originals.get(rel)
            if earlier and original is not None and count_exact(original, block.search) == 1:
                blocks = ", ".join(str(k + 1) for k in earlier)
                code = "overlaps_earlier_block"
                reason = (
                    f"SEARCH matches {rel} as it was, but block {blocks} of this reply already "
                    "changed those lines; merge the overlapping blocks into one"
                )
            else:
                reason = f"SEARCH was not found in {rel}"
                near = closest_lines(current, block.search)
                if near is not None:
                    closest = near.snippet
                    reason += f". The closest in {rel}: {near.span}"
                    reason += f" ({near.first_difference})" if near.first_difference else ""
                    reason += ":"
                if block.replace.strip() and count_exact(current, block.replace) == 1:
                    reason += (
                        " (its REPLACE text is already in the file: if this change is already "
                        "made, leave this block out)"
                    )
        elif code == "ambiguous_match":
            reason = f"{reason} in {rel}; add surrounding lines to SEARCH so it matches one place"
        self._refuse(index, block, code, reason, file=rel, closest=closest)

    # -- bookkeeping -------------------------------------------------------------------

    def _text(self, rel: str) -> str | None:
        """Current text of `rel`, None if it does not exist. A chat file the caller did
        not pass in `files` is read from disk once."""
        if rel in self.working:
            return self.working[rel]
        if rel in self.originals:
            return self.originals[rel]
        full = self.root / rel
        if not os.path.lexists(full):
            return None
        try:
            raw = full.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _Unreadable(f"{rel} could not be read as UTF-8 text: {exc}") from exc
        self.originals[rel] = to_lf(text)
        self.styles[rel] = style_of(text)
        return self.originals[rel]

    def _applied(
        self,
        index: int,
        block: EditBlock,
        rel: str,
        text: str,
        step: ApplyStep,
        *,
        created: bool = False,
        note: str = "",
    ) -> None:
        self.working[rel] = to_lf(text)
        if created:
            self.created.add(rel)
        self.changed_by.setdefault(rel, []).append(index)
        self.outcomes.append(
            BlockOutcome(
                index=index, line=block.line, path=block.path, applied=True, file=rel,
                step=step, reason=note,
            )
        )  # fmt: skip

    def _refuse(
        self,
        index: int,
        block: EditBlock,
        code: RefusalCode,
        reason: str,
        *,
        file: str | None = None,
        closest: str | None = None,
    ) -> None:
        self.outcomes.append(
            BlockOutcome(
                index=index, line=block.line, path=block.path, applied=False, file=file,
                refusal=code, reason=reason, closest=closest,
            )
        )  # fmt: skip

    def finish(self) -> EditPlan:
        if any(not o.applied for o in self.outcomes):
            return EditPlan(
                ok=False,
                outcomes=self.outcomes,
                not_in_chat=self.not_in_chat,
                failure_message=failure_message(self.outcomes),
            )
        new_contents: dict[str, str] = {}
        for rel, text in self.working.items():
            if rel in self.created:
                new_contents[rel] = text
            elif text != self.originals.get(rel):
                new_contents[rel] = apply_style(text, self.styles.get(rel, TextStyle()))
        created = self.created & set(new_contents)
        return EditPlan(ok=True, new_contents=new_contents, created=created, outcomes=self.outcomes)
