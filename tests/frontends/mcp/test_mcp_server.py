"""`ingle mcp` end to end: the SDK's stdio client launches the real server as a subprocess
and calls its tools against the fake Ollama server on loopback.

Each test opens one session and makes several calls in it (a session costs a process
start), then checks the requests the model server received and the ledger rows.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from ingle.core.config.paths import IngleDirs
from ingle.memory.call_log import CallRecord, recent_calls
from ingle.memory.store import Store
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import HttpError, Reply

TOOLS = {
    "generate_code", "classify_text", "summarize", "translate", "list_personas", "ask_persona",
    "classify_expense", "record_expense",
}


@asynccontextmanager
async def mcp_session(
    ollama_url: str, workspace: Path, errlog: Path, *extra_args: str
) -> AsyncIterator[ClientSession]:
    """`python -m ingle.core.frontends.cli mcp` with only the environment a client would give it."""
    params = StdioServerParameters(
        command=sys.executable,
        args=[*extra_args, "-m", "ingle.core.frontends.cli", "mcp"],
        env={"OLLAMA_HOST": ollama_url, "INGLE_HOME": os.environ["INGLE_HOME"]},
        cwd=workspace,
    )
    with errlog.open("w", encoding="utf-8") as stderr:
        async with (
            stdio_client(params, errlog=stderr) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


async def call_ok(session: ClientSession, schemas: dict[str, Any], tool: str, args: dict) -> Any:
    """Call a tool that must succeed; its structured result must follow the advertised schema."""
    result = await session.call_tool(tool, args)
    assert not result.is_error, result.content[0].text
    jsonschema.validate(result.structured_content, schemas[tool])
    return result.structured_content


async def call_error(session: ClientSession, tool: str, args: dict) -> str:
    result = await session.call_tool(tool, args)
    assert result.is_error, result.structured_content
    return result.content[0].text


async def output_schemas(session: ClientSession) -> dict[str, Any]:
    listed = await session.list_tools()
    return {tool.name: tool.output_schema for tool in listed.tools}


def ledger() -> list[CallRecord]:
    with Store(IngleDirs.from_env().database) as store:
        return list(reversed(recent_calls(store, limit=50)))


def last_user_message(body: dict) -> str:
    return [m for m in body["messages"] if m["role"] == "user"][-1]["content"]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_tools_advertise_their_schemas_and_the_text_tools_answer(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.script(
        Reply(text='{"label": "bug", "confidence": 0.82, "reason": "It says the app crashes."}'),
        Reply(text="The deploy failed.\n\n- SESSION_TTL was empty.\n- Rolled back."),
        Reply(text="O deploy de ontem quebrou o login."),
        Reply(text='{"label": "question", "confidence": 0.4, "reason": "A guess."}'),
    )
    errlog = tmp_path / "stderr.log"
    # -X importtime lists every module the server imports on stderr: Textual must not be one.
    async with mcp_session(fake_ollama.url, tmp_path, errlog, "-X", "importtime") as session:
        listed = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(listed) == TOOLS
        for tool in listed.values():
            assert tool.description and len(tool.description) > 80, tool.name
            assert tool.output_schema and tool.output_schema["type"] == "object", tool.name
            jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        code_args = listed["generate_code"].input_schema
        assert set(code_args["required"]) == {"task", "language"}
        assert {"python", "go", "java", "javascript", "typescript", "html"} <= set(
            code_args["properties"]["language"]["enum"]
        )
        assert code_args["properties"]["files"]["description"]
        assert "usage" in listed["classify_text"].output_schema["required"]
        assert set(listed["translate"].input_schema["required"]) == {"text", "target_language"}
        schemas = {name: tool.output_schema for name, tool in listed.items()}

        labels = ["bug", "feature", "question"]
        classified = await call_ok(
            session, schemas, "classify_text",
            {"text": "The app crashes on start", "labels": labels,
             "instructions": "bug means something is broken"},
        )  # fmt: skip
        assert classified["label"] == "bug" and classified["confidence"] == 0.82
        assert classified["usage"]["model"] == "qwen3:4b"
        assert classified["usage"]["persona"] == "my-classifier"
        assert classified["usage"]["prompt_tokens"] > 0

        summary = await call_ok(
            session, schemas, "summarize",
            {"text": "A long incident note. " * 20, "max_words": 5, "style": "bullets"},
        )  # fmt: skip
        assert summary["summary"].startswith("The deploy failed.")
        assert summary["words"] == 8 and summary["within_limit"] is False

        translated = await call_ok(
            session, schemas, "translate",
            {"text": "Yesterday's deploy broke login.", "target_language": "pt-BR"},
        )  # fmt: skip
        assert translated["translation"] == "O deploy de ontem quebrou o login."
        assert translated["source_language"] == "auto"

        listed_personas = await call_ok(session, schemas, "list_personas", {})
        by_name = {p["name"]: p for p in listed_personas["personas"]}
        assert {"my-coder", "my-classifier", "my-translator", "my-reviewer"} <= set(by_name)
        assert by_name["my-classifier"]["structured"] is True
        assert by_name["my-writer"]["structured"] is False

        # A structured persona through ask_persona: the reply is parsed and validated.
        asked = await call_ok(
            session, schemas, "ask_persona",
            {"persona": "my-classifier", "prompt": "Labels: question, other\nText: why?"},
        )  # fmt: skip
        assert asked["data"] == {"label": "question", "confidence": 0.4, "reason": "A guess."}

    chats = [r.json for r in fake_ollama.requests_to("/api/chat")]
    classify, summarize, translate, ask = chats
    # The label is bound to exactly the given labels by the schema sent as `format`.
    assert classify["format"]["properties"]["label"]["enum"] == labels
    assert classify["think"] is False and classify["options"]["temperature"] == 0.1
    assert last_user_message(classify).startswith("Labels: bug, feature, question\n")
    assert "Instructions: bug means something is broken" in last_user_message(classify)
    assert last_user_message(summarize).startswith("Summarise in at most 5 words.")
    assert summarize["model"] == "qwen3:4b" and "format" not in summarize
    assert last_user_message(translate).startswith("Translate into pt-BR:")
    assert ask["format"]["properties"]["label"] == {"type": "string"}  # the persona's own

    rows = ledger()
    assert [r.task_kind for r in rows] == [
        "mcp:classify_text", "mcp:summarize", "mcp:translate", "mcp:ask_persona",
    ]  # fmt: skip
    assert [r.persona for r in rows] == [
        "my-classifier", "my-summarizer", "my-translator", "my-classifier",
    ]  # fmt: skip
    assert all(r.outcome == "ok" and r.output_tokens > 0 for r in rows)

    imported = errlog.read_text(encoding="utf-8")
    assert "ingle.core.frontends.mcp.server" in imported  # the listing is really there
    assert "textual" not in imported


async def test_generate_code_retries_a_failing_answer_with_thinking_and_the_diagnostics(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    (tmp_path / ".git").mkdir()  # the server reads `files` only inside a repository
    (tmp_path / "shapes.py").write_text("class Shape:\n    sides: int\n", encoding="utf-8")
    fake_ollama.script(
        # Undefined name: ruff's F821 fails the Python gate.
        Reply(text="Here it is:\n```python\ndef area(w, h):\n    return w * height\n```\n"),
        Reply(text="```python\ndef area(w, h):\n    return w * h\n```", thinking="height -> h"),
        # A language without a gate: returned unchecked, never retried.
        Reply(text="```rust\nfn area(w: u32, h: u32) -> u32 { w * h }\n```"),
        # The retry dies: the first answer comes back, marked failed, nothing lost.
        Reply(text="```python\nprint(undefined_thing)\n```"),
        Reply(error_before=HttpError(status=500, message="llama runner process has terminated")),
    )
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "stderr.log") as session:
        schemas = await output_schemas(session)
        made = await call_ok(
            session, schemas, "generate_code",
            {"task": "area of a rectangle", "language": "python",
             "context": "use the names w and h", "files": ["shapes.py"]},
        )  # fmt: skip
        rust = await call_ok(
            session, schemas, "generate_code", {"task": "area", "language": "rust"}
        )
        kept = await call_ok(
            session, schemas, "generate_code", {"task": "print it", "language": "python"}
        )

    assert made["code"] == "def area(w, h):\n    return w * h\n"
    assert made["passed"] is True and made["checked"] is True and made["attempts"] == 2
    assert [g["gate"] for g in made["gates"]] == ["python"]
    assert made["gates"][0]["status"] == "passed"
    usage = made["usage"]
    assert usage["persona"] == "my-generalist" and usage["model"] == "qwen3:8b"
    assert [c["think"] for c in usage["calls"]] == [False, True]
    assert usage["prompt_tokens"] == sum(c["prompt_tokens"] for c in usage["calls"])
    assert usage["thinking_tokens"] > 0

    first, retry, rust_request, *_ = [r.json for r in fake_ollama.requests_to("/api/chat")]
    assert first["think"] is False and first["options"]["temperature"] == 0.1
    system = first["messages"][0]["content"]
    assert "exactly one fenced block tagged ```python" in system
    assert "SEARCH/REPLACE block, exactly like this" not in system  # the edit format is swapped
    task = last_user_message(first)
    assert "area of a rectangle" in task and "use the names w and h" in task
    assert "Reference file (read-only) shapes.py:" in task and "class Shape:" in task
    # The retry thinks, and carries the first answer and the gate's own words about it.
    assert retry["think"] is True and retry["options"]["temperature"] == 0.1
    assert retry["messages"][-2] == {"role": "assistant", "content": first_reply_text()}
    repair = last_user_message(retry)
    assert "snippet.py:2" in repair and "F821" in repair and "height" in repair

    assert rust["code"].startswith("fn area") and rust["attempts"] == 1
    assert rust["checked"] is False and rust["gates"] == []
    assert rust_request["messages"][0]["content"].count("```rust") == 1

    assert kept["code"] == "print(undefined_thing)\n" and kept["attempts"] == 1
    assert kept["passed"] is False and kept["gates"][0]["status"] == "failed"
    assert "llama runner process has terminated" in kept["usage"]["warnings"][0]

    rows = ledger()
    assert [(r.task_kind, r.think, r.outcome) for r in rows] == [
        ("mcp:generate_code", "false", "ok"), ("mcp:generate_code", "true", "ok"),
        ("mcp:generate_code", "false", "ok"),
        ("mcp:generate_code", "false", "ok"), ("mcp:generate_code", "true", "error"),
    ]  # fmt: skip
    assert "height" in rows[0].reply_text and rows[1].thinking_text == "height -> h"


def first_reply_text() -> str:
    return "Here it is:\n```python\ndef area(w, h):\n    return w * height\n```\n"


async def test_errors_are_tool_results_with_the_fix(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    del fake_ollama.models["qwen3:4b"]  # the classifier's model is not pulled
    (tmp_path / ".git").mkdir()
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "stderr.log") as session:
        missing = await call_error(session, "classify_text", {"text": "x", "labels": ["a", "b"]})
        assert "qwen3:4b" in missing and "ollama pull qwen3:4b" in missing

        bad_language = await call_error(
            session, "generate_code", {"task": "a parser", "language": "cobol"}
        )
        assert "language" in bad_language and "'python'" in bad_language
        one_label = await call_error(session, "classify_text", {"text": "x", "labels": ["a"]})
        assert "labels" in one_label and "at least 2" in one_label
        no_text = await call_error(session, "translate", {"target_language": "English"})
        assert "text" in no_text and "Field required" in no_text
        repeated = await call_error(
            session, "classify_text", {"text": "x", "labels": ["a", "b", "a"]}
        )
        assert "a given more than once" in repeated

        unknown = await call_error(session, "ask_persona", {"persona": "my-codr", "prompt": "hi"})
        assert "did you mean 'my-coder'" in unknown and "list_personas" in unknown
        outside = await call_error(
            session, "generate_code",
            {"task": "x", "language": "python", "files": ["../secrets.txt"]},
        )  # fmt: skip
        assert "outside the workspace" in outside
        absent = await call_error(
            session, "generate_code", {"task": "x", "language": "go", "files": ["nope.go"]}
        )
        assert "nope.go: no such file" in absent
        too_long = await call_error(session, "summarize", {"text": "word " * 40_000})
        assert "context window" in too_long and "num_ctx" in too_long

        # The server is still up after all that.
        assert (await session.call_tool("list_personas", {})).is_error is False

    # Only the missing-model call reached the model server (whose model check refused it);
    # refused arguments cost nothing.
    assert [r.json["model"] for r in fake_ollama.requests_to("/api/show")] == ["qwen3:4b"]
    assert fake_ollama.requests_to("/api/chat") == []
    rows = ledger()
    assert len(rows) == 1 and rows[0].outcome == "error" and "qwen3:4b" in (rows[0].error or "")


async def test_a_dead_model_server_is_an_error_result_not_a_crash(tmp_path: Path) -> None:
    async with mcp_session(closed_port_url(), tmp_path, tmp_path / "stderr.log") as session:
        message = await call_error(session, "summarize", {"text": "something to summarise"})
        assert "cannot reach" in message and "ollama serve" in message
        code = await call_error(session, "generate_code", {"task": "x", "language": "go"})
        assert "cannot reach" in code
        # Not in a repository (Claude Desktop starts servers in /): no file is read.
        no_repo = await call_error(
            session, "generate_code", {"task": "x", "language": "go", "files": ["main.go"]}
        )
        assert "not running inside a repository" in no_repo and "--repo" in no_repo
    rows = ledger()
    assert [r.outcome for r in rows] == ["error", "error"]
    assert [r.task_kind for r in rows] == ["mcp:summarize", "mcp:generate_code"]


@pytest.mark.toolchain
async def test_generate_code_checks_an_html_page_in_the_browser(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    broken = "<!doctype html><title>t</title><script>countr.textContent = 1;</script>"
    fixed = "<!doctype html><title>t</title><p id=c></p><script>c.textContent = 1;</script>"
    fake_ollama.script(Reply(text=f"```html\n{broken}\n```"), Reply(text=f"```html\n{fixed}\n```"))
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "stderr.log") as session:
        schemas = await output_schemas(session)
        page = await call_ok(
            session, schemas, "generate_code", {"task": "a counter page", "language": "html"}
        )
    assert page["attempts"] == 2 and page["passed"] is True
    assert [(g["gate"], g["status"]) for g in page["gates"]] == [("browser", "passed")]
    assert page["usage"]["persona"] == "my-frontend"
    retry = fake_ollama.requests_to("/api/chat")[1].json
    assert "countr" in last_user_message(retry)


async def test_an_unsure_or_broken_classification_climbs_one_rung(
    fake_ollama: FakeOllama, tmp_path: Path
) -> None:
    fake_ollama.script(
        Reply(text='{"label": "bug", "confidence": 0.31, "reason": "Could be either."}'),
        Reply(text='{"label": "feature", "confidence": 0.88, "reason": "Asks for a new option."}'),
        Reply(text="not json at all"),
        Reply(text='{"label": "bug", "confidence": 0.75, "reason": "It crashes."}'),
    )
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "stderr.log") as session:
        schemas = {t.name: t.output_schema for t in (await session.list_tools()).tools}
        args = {"text": "Please add a dark mode toggle", "labels": ["bug", "feature"]}
        unsure = await call_ok(session, schemas, "classify_text", args)
        assert (unsure["label"], unsure["confidence"]) == ("feature", 0.88)
        broken = await call_ok(session, schemas, "classify_text", args)
        assert (broken["label"], broken["confidence"]) == ("bug", 0.75)
    first, climbed, _, repaired = [r.json for r in fake_ollama.requests_to("/api/chat")]
    assert (first["model"], first["think"]) == ("qwen3:4b", False)
    assert (climbed["model"], climbed["think"]) == ("qwen3:8b", True)
    assert repaired["model"] == "qwen3:8b"
