"""The edit corpus (tests/edit_corpus/*.toml) applied to real temp repositories.

Each case builds a repository from its `[before]` files, parses the reply, plans the
edits against the chat files read from disk, writes the plan when it is ok, and then
checks every byte of the tree: changed files equal `[after]` exactly (in the file's
own line-ending and final-newline conventions), every other file is unchanged, nothing
outside the repository changed, and a refused plan changed nothing at all.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ingle.core.edits import EditPlan, ParsedReply, parse_reply, plan_edits, write_atomically

CORPUS = Path(__file__).parents[1] / "edit_corpus"
CASES = sorted(CORPUS.glob("*.toml"))
SECRET = b"outside the repository: must never change\n"


def _encode(text: str, *, crlf: bool, final_newline: bool, binary: bool) -> bytes:
    if not final_newline and text.endswith("\n"):
        text = text[:-1]
    if crlf:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    return b"\x00\x01" + data if binary else data


def _build(case: dict[str, Any], tmp: Path) -> tuple[Path, Path]:
    repo, outside = tmp / "repo", tmp / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    for rel, text in case.get("before", {}).items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_file_bytes(case, rel, text))
    for link, target in case.get("symlinks", {}).items():
        path = repo / link
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target.replace("{outside}", str(outside)), path)
    return repo, outside


def _file_bytes(case: dict[str, Any], rel: str, text: str) -> bytes:
    return _encode(
        text,
        crlf=rel in case.get("crlf_files", []),
        final_newline=rel not in case.get("no_final_newline", []),
        binary=rel in case.get("binary_files", []),
    )


def _snapshot(*roots: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for root in roots:
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                if not path.is_symlink():
                    found[str(path.relative_to(root.parent))] = path.read_bytes()
    return found


def _run(case: dict[str, Any], repo: Path) -> tuple[ParsedReply, EditPlan]:
    reply = case["reply"]
    if case.get("reply_crlf"):
        reply = reply.replace("\n", "\r\n")
    parsed = parse_reply(reply)
    chat = case.get("chat", list(case.get("before", {})))
    files = {
        rel: (repo / rel).read_bytes().decode("utf-8", errors="replace")
        for rel in chat
        if (repo / rel).is_file()
    }
    plan = plan_edits(
        parsed.edits,
        files,
        repo,
        allow_new_files=case.get("allow_new_files", False),
        chat_files=set(chat),
    )
    return parsed, plan


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_corpus_case(case_file: Path, tmp_path: Path) -> None:
    case = tomllib.loads(case_file.read_text(encoding="utf-8"))
    expect = case["expect"]
    repo, outside = _build(case, tmp_path)
    before = _snapshot(repo, outside)

    parsed, plan = _run(case, repo)
    if plan.ok:
        write_atomically(repo, plan.new_contents)
    after = _snapshot(repo, outside)

    outcomes = [(o.step, o.refusal, o.reason) for o in plan.outcomes]
    assert plan.ok == expect["ok"], (outcomes, parsed.warnings, plan.failure_message)
    if expect["ok"]:
        assert [o.step for o in plan.outcomes] == expect["steps"], outcomes
        wanted = dict(before)
        for rel, text in case.get("after", {}).items():
            wanted[f"repo/{rel}"] = _file_bytes(case, rel, text)
        assert after == wanted
        assert plan.created == {rel for rel in case.get("after", {}) if f"repo/{rel}" not in before}
    else:
        assert [o.refusal for o in plan.outcomes if not o.applied] == expect["refusals"], outcomes
        assert plan.new_contents == {} and plan.created == set()
        assert after == before, "a refused plan must leave every file untouched"
    for text in expect.get("message_contains", []):
        assert text in plan.failure_message, plan.failure_message
    for text in expect.get("warnings_contain", []):
        assert any(text in w.message for w in parsed.warnings), parsed.warnings
    if "shell" in expect:
        assert parsed.shell_commands == expect["shell"]
    if "mentioned" in expect:
        assert parsed.mentioned_paths == expect["mentioned"]
    if "not_in_chat" in expect:
        assert plan.not_in_chat == set(expect["not_in_chat"])
