"""Corrections from the chat: `/correct TEXT` (an edited answer) and `/undo` (an undone
commit) each add a row; the nearest chat corrections go to later similar turns as examples."""

from __future__ import annotations

import json

from ingle.core.frontends.cli import main
from ingle.tui.app import IngleApp
from tests.fakes.script import Reply
from tests.tui.test_tui_support import GREET, GREET_EDIT, opened, settle, shown, submit

pytest_plugins = ["tests.tui.test_tui_support"]  # the tui_repo fixture

SIZE = (110, 36)
WRONG = "Use os.path.join for paths."
RIGHT = "Use pathlib.Path and the / operator, never os.path."


def last(chat) -> str:
    return shown(chat)[-1][1]


def corrections(capsys, domain: str) -> list[dict]:
    capsys.readouterr()
    assert main(["memory", "corrections", "--domain", domain, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["corrections"]


async def test_correct_and_undo_record_corrections_and_examples_follow(tui_repo, fake_ollama,
                                                                      capsys) -> None:
    def answer(request) -> Reply:  # noqa: ANN001 - the fake's request
        text = json.dumps(request.json["messages"])
        if "Known memories:" in text:
            return Reply(text='{"memories": []}')
        if "greet by name" in request.json["messages"][-1]["content"]:
            return Reply(text=GREET_EDIT)
        return Reply(text=WRONG)

    fake_ollama.respond_with(answer)
    app = IngleApp(tui_repo)
    async with app.run_test(size=SIZE) as pilot:
        chat = await opened(app, pilot)
        persona = chat.engine.session.persona
        await submit(pilot, chat, "/correct nothing yet")
        assert "nothing to correct yet" in last(chat)
        await submit(pilot, chat, "/ask how should I join file paths in this project?")
        await settle(app, pilot)
        await submit(pilot, chat, f"/correct {RIGHT}")
        assert "noted correction #1" in last(chat)
        assert chat.engine.session.history[-1].content == RIGHT  # the conversation goes on from it
        # a similar request in a new conversation: the correction is an example before it
        await submit(pilot, chat, "/clear")
        assert chat.engine.session.history == []
        await submit(pilot, chat, "/ask how do I join two file paths?")
        await settle(app, pilot)
        turns = [r.json for r in fake_ollama.requests_to("/api/chat")
                 if "Known memories:" not in json.dumps(r.json["messages"])]
        messages = turns[-1]["messages"]
        example = next(i for i, m in enumerate(messages)
                       if m["role"] == "user" and "join file paths in this project" in m["content"])
        assert messages[example + 1] == {"role": "assistant", "content": RIGHT}
        assert example < len(messages) - 1 and "join two file paths" in messages[-1]["content"]
        # an undone commit
        await submit(pilot, chat, "/code")
        await pilot.press("f4")  # auto-apply edits
        await submit(pilot, chat, "greet by name @greet.py")
        await settle(app, pilot)
        await submit(pilot, chat, "/undo")
        assert "undid" in last(chat)
        assert (tui_repo / "greet.py").read_text() == GREET
    (edited,) = corrections(capsys, "chat")
    assert (edited["input"], edited["output"], edited["corrected"], edited["source"],
            edited["persona"]) == ("how should I join file paths in this project?", WRONG, RIGHT,
                                   "edited answer", persona)
    assert main(["memory", "corrections", "--domain", "commit"]) == 0
    (line,) = capsys.readouterr().out.splitlines()  # one line, the diff cut short
    assert line.startswith("#2     [commit, undone commit] 'greet by name @greet.py': ")
    (undone,) = corrections(capsys, "commit")
    assert undone["input"] == "greet by name @greet.py" and undone["source"] == "undone commit"
    assert 'return f"hi {name}"' in undone["output"] and undone["note"].startswith("the user undid")
