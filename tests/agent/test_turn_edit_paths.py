"""Paths and fences small models write, through a batch turn on a real repository against
the fake Ollama (issue 14, "Edit formats"): files without an extension, a name with a space,
Aider's `<source>` fence, a new file fenced beside the edits that need it, and the
whole-file guard on small files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.script import Reply
from tests.git_env import git, make_repo

DEPLOY = "#!/bin/sh\necho deploying\n"
GREET = 'def greet():\n    return "hi"\n'
THREE = (
    'def greet():\n    return "hi"\n\n\ndef farewell():\n    return "bye"\n\n\n'
    "def shout(text):\n    return text.upper()\n"
)
COMMIT = '{"type": "feat", "scope": "x", "subject": "change"}'


def batch(repo: Path, *args: str) -> int:
    return main(["--batch", "--repo", str(repo), "--gates", "off", "--json", "--yes", *args])


def events(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def turn_calls(fake) -> list[dict]:  # noqa: ANN001
    return [r.json for r in fake.requests if r.path == "/api/chat" and "format" not in r.json]


def replies(fake, *texts: str) -> None:  # noqa: ANN001
    """The turn's replies in order; the commit message call (a schema) gets its JSON."""
    queue = iter(texts)
    fake.respond_with(lambda request: Reply(text=COMMIT if "format" in request.json else next(queue)))


def block(path_line: str, search: str, replace: str, fence: tuple[str, str] = ("```", "```")) -> str:
    return f"{path_line}\n{fence[0]}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n{fence[1]}\n"


@pytest.fixture
def repo(tmp_path: Path, gitconfig: Path) -> Path:
    return make_repo(tmp_path, gitconfig, {
        "greet.py": GREET, "deploy": DEPLOY, "scripts/configure": "PREFIX=/usr\n",
        "tmpab3x_9q": "one\ntwo\nthree\n", "my notes.txt": "todo: nothing\n", "three.py": THREE,
    })


# -- files with no extension -----------------------------------------------------------


def test_a_search_replace_block_for_a_file_without_an_extension_is_applied(repo, fake_ollama, capsys) -> None:
    replies(fake_ollama, "Done:\n\n" + block("deploy", "echo deploying\n", "echo deploying now\n"))
    assert batch(repo, "-m", "say now", "deploy") == 0
    assert (repo / "deploy").read_text() == "#!/bin/sh\necho deploying now\n"
    assert events(capsys.readouterr().out)[-1]["outcome"] == "committed"


def test_a_whole_file_reply_for_extensionless_files_is_applied(repo, fake_ollama, capsys) -> None:
    # Aider's own case: a temp file's bare name above the fenced new content; and a shell
    # script whose fence says `sh` is the file's content, not a command to run.
    reply = (
        "Do this:\n\ntmpab3x_9q\n```\nnew\ntwo\nthree\n```\n\n"
        "scripts/configure\n```sh\nPREFIX=/usr/local\n```\n"
    )
    replies(fake_ollama, reply)
    assert batch(repo, "-m", "change both", "tmpab3x_9q", "scripts/configure") == 0
    assert (repo / "tmpab3x_9q").read_text() == "new\ntwo\nthree\n"
    assert (repo / "scripts/configure").read_text() == "PREFIX=/usr/local\n"
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "committed"
    assert sorted(final["files_changed"]) == ["scripts/configure", "tmpab3x_9q"]


# -- a name with a space, Aider's <source> fence ----------------------------------------


def test_a_known_file_with_a_space_written_bare_is_taken_as_its_path(repo, fake_ollama, capsys) -> None:
    replies(fake_ollama, block("my notes.txt", "todo: nothing\n", "todo: ship it\n"))
    assert batch(repo, "-m", "update the todo", "my notes.txt") == 0
    assert (repo / "my notes.txt").read_text() == "todo: ship it\n"


def test_a_new_name_with_a_space_goes_back_saying_exactly_how_to_write_it(repo, fake_ollama, capsys) -> None:
    bare = block("release notes.md", "", "# Release notes\n")
    quoted = block("`release notes.md`", "", "# Release notes\n")
    replies(fake_ollama, bare, quoted)
    assert batch(repo, "-m", "start release notes.md") == 0
    repair = turn_calls(fake_ollama)[1]["messages"][-1]["content"]
    assert "write the path alone on the line above the block, in backticks, exactly like this: `release notes.md`" in repair
    assert (repo / "release notes.md").read_text() == "# Release notes\n"


def test_aiders_source_fence_is_read_like_a_code_fence(repo, fake_ollama, capsys) -> None:
    reply = block("greet.py", '    return "hi"\n', '    return "hello"\n', fence=("<source>python", "</source>"))
    replies(fake_ollama, reply)
    assert batch(repo, "-m", "say hello", "greet.py") == 0
    assert (repo / "greet.py").read_text() == 'def greet():\n    return "hello"\n'
    assert len(turn_calls(fake_ollama)) == 1


# -- a new fenced file is part of all-or-nothing -----------------------------------------


def _with_new_module(path_line: str) -> str:
    edit = block("greet.py", 'def greet():\n    return "hi"\n',
                 'from helpers import word\n\n\ndef greet():\n    return word()\n')
    return f"{edit}\n{path_line}\n```python\ndef word():\n    return \"hi\"\n```\n"


def test_a_new_file_fenced_beside_the_edit_that_imports_it_lands_with_it(repo, fake_ollama, capsys) -> None:
    replies(fake_ollama, _with_new_module("Create `helpers.py`:"))
    assert batch(repo, "-m", "move the word to helpers", "greet.py") == 0
    assert (repo / "helpers.py").read_text() == 'def word():\n    return "hi"\n'
    assert (repo / "greet.py").read_text().startswith("from helpers import word")
    final = events(capsys.readouterr().out)[-1]
    assert sorted(final["files_changed"]) == ["greet.py", "helpers.py"]
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == ["greet.py", "helpers.py"]


def test_when_the_new_file_cannot_be_made_the_edit_that_needs_it_is_not_applied_either(
    repo, fake_ollama, capsys
) -> None:
    bad = _with_new_module("Create `../helpers.py`:")
    replies(fake_ollama, bad, bad, bad, bad, bad, bad, bad, bad, bad)
    assert batch(repo, "-m", "move the word to helpers", "greet.py") != 0
    assert (repo / "greet.py").read_text() == GREET
    assert not (repo.parent / "helpers.py").exists()
    repair = turn_calls(fake_ollama)[1]["messages"][-1]["content"]
    assert "none were applied" in repair and "../helpers.py" in repair
    assert git(repo, "log", "--format=%s").splitlines() == ["initial"]


# -- the whole-file guard holds for small files ------------------------------------------


def test_the_updated_function_alone_under_a_path_line_does_not_replace_a_small_file(
    repo, fake_ollama, capsys
) -> None:
    lone = 'Here is the updated function:\n\nthree.py\n```python\ndef greet(name):\n    return f"hi {name}"\n```\n'
    good = block("three.py", 'def greet():\n    return "hi"\n', 'def greet(name):\n    return f"hi {name}"\n')
    replies(fake_ollama, lone, good)
    assert batch(repo, "-m", "greet by name", "three.py") == 0
    repair = turn_calls(fake_ollama)[1]["messages"][-1]["content"]
    assert "it would delete farewell, shout (2 of the file's 3 definitions)" in repair
    text = (repo / "three.py").read_text()
    assert text == THREE.replace('def greet():\n    return "hi"', 'def greet(name):\n    return f"hi {name}"')


def test_the_before_snippet_of_change_this_to_this_does_not_replace_the_file(repo, fake_ollama, capsys) -> None:
    before_after = (
        'three.py\n```python\ndef shout(text):\n    return text.upper()\n```\n\nto this:\n\n'
        '```python\ndef shout(text):\n    return text.upper() + "!"\n```\n'
    )
    replies(fake_ollama, *[before_after] * 9)
    assert batch(repo, "-m", "shout louder", "three.py") != 0
    assert (repo / "three.py").read_text() == THREE
    final = events(capsys.readouterr().out)[-1]
    assert final["outcome"] == "edits_failed" and not final["ok"]


def test_a_new_file_without_an_extension_goes_back_saying_to_quote_it_then_is_created(
    repo, fake_ollama, capsys
) -> None:
    replies(fake_ollama, block("release", "", "#!/bin/sh\necho release\n"),
            block("`release`", "", "#!/bin/sh\necho release\n"))
    assert batch(repo, "-m", "add a release script") == 0
    repair = turn_calls(fake_ollama)[1]["messages"][-1]["content"]
    assert "'release' is not a file in the repository" in repair
    assert "in backticks, exactly like this: `release`" in repair
    assert (repo / "release").read_text() == "#!/bin/sh\necho release\n"
