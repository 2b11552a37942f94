"""What llama-cpp-python's server does differently, against the fake speaking its dialect:
no usage in the stream, a tokenizer at /extras/tokenize, `json_object` + schema only, and
its validation errors as HTTP 500. Through `ingle ask` and `ingle log --json`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingle.core.frontends.cli import main
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import HttpError, Reply

SCHEMA = {"type": "object", "properties": {"colour": {"enum": ["red", "blue"]}},
          "required": ["colour"]}


@pytest.fixture(autouse=True)
def outside_any_repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def configure(ingle_home: Path, server: FakeOpenAI) -> None:
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[endpoints.llamacpp]\nkind = "openai"\nurl = "{server.url}/v1"\n')


def last_call(capsys) -> dict:
    """The newest row of the call log, as `ingle log` reads it."""
    from ingle.core.config.paths import IngleDirs
    from ingle.memory.call_log import recent_calls
    from ingle.memory.store import Store

    with Store(IngleDirs.from_env(os.environ).database) as store:
        return recent_calls(store, 1)[0].model_dump()


@pytest.mark.parametrize("route", ["/extras/tokenize", "/tokenize"])
def test_a_stream_without_usage_is_counted_by_the_servers_tokenizer_and_marked(
        ingle_home, capsys, route):
    with FakeOpenAI(models=["smollm2"], usage_in_stream=False, tokenize_route=route) as server:
        configure(ingle_home, server)
        server.script(Reply(text="one two three four"))
        assert main(["ask", "-m", "smollm2@llamacpp", "say five words please"]) == 0
        out, err = capsys.readouterr()
        assert out == "one two three four\n"
        # The fake's tokenizer makes a token of each word; the chat template adds 3 + 4.
        assert "~11 prompt + ~4 answer" in err
        assert "estimated: the server sent no usage, its tokenizer counted the text" in err
        assert [r.json for r in server.requests_to(route)][0] in (
            {"input": "say five words please"}, {"content": "say five words please"})
        call = last_call(capsys)
        assert (call["prompt_tokens"], call["output_tokens"]) == (11, 4)
        assert call["token_source"] == "tokenizer"
        assert main(["log", "-n", "1"]) == 0
        assert "~11+4 tok (tokenizer estimate)" in capsys.readouterr().out


def test_the_status_bar_marks_estimated_counts():
    from ingle.tui.panes.chat.status import ChatStatusInfo as StatusInfo

    info = StatusInfo(repo="r", persona="coder", answer_tokens=12, tokens_per_s=3.0)
    assert "12 tok · 3 tok/s" in info.segments()
    info = info.model_copy(update={"tokens_estimated": True})
    assert "~12 tok (estimated) · 3 tok/s" in info.segments()


def test_without_a_tokenizer_the_count_is_a_characters_estimate_and_says_so(ingle_home, capsys):
    with FakeOpenAI(models=["smollm2"], usage_in_stream=False) as server:
        configure(ingle_home, server)
        server.script(Reply(text="x" * 40))
        assert main(["ask", "-m", "smollm2@llamacpp", "y" * 80]) == 0
        err = capsys.readouterr().err
        assert "~27 prompt + ~10 answer" in err  # 80 chars / 4 + 7 framing; 40 / 4
        assert "counted as characters / token" in err
        assert last_call(capsys)["token_source"] == "estimate"


def test_a_server_reporting_usage_is_not_marked(ingle_home, capsys):
    with FakeOpenAI(models=["smollm2"]) as server:
        configure(ingle_home, server)
        server.script(Reply(text="hi", prompt_tokens=9, output_tokens=1))
        assert main(["ask", "-m", "smollm2@llamacpp", "hello"]) == 0
        err = capsys.readouterr().err
        assert "9 prompt + 1 answer" in err and "~" not in err and "estimated" not in err
        assert last_call(capsys)["token_source"] == "server"


def test_schema_falls_back_to_json_object_once_and_the_endpoint_remembers(ingle_home, capsys,
                                                                         tmp_path):
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(SCHEMA))
    with FakeOpenAI(models=["smollm2"], json_schema_form=False) as server:
        configure(ingle_home, server)
        server.script(Reply(text='{"colour": "blue"}'))
        assert main(["ask", "-m", "smollm2@llamacpp", "--schema", str(schema_file),
                     "sky colour?"]) == 0
        out, err = capsys.readouterr()
        assert json.loads(out) == {"colour": "blue"}
        sent = [r.json["response_format"] for r in server.requests_to("/v1/chat/completions")]
        assert sent == [
            {"type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA,
                                                    "strict": True}},
            {"type": "json_object", "schema": SCHEMA},
        ]
        # The call log records the form that was answered.
        assert json.loads(last_call(capsys)["request_json"])["response_format"]["type"] == \
            "json_object"


async def test_one_client_asks_in_the_remembered_form_after_the_first_refusal():
    from ingle.core.backends.base import collect
    from ingle.core.backends.openai_compat import OpenAICompatBackend
    from ingle.core.backends.types import ChatMessage, ChatRequest

    with FakeOpenAI(models=["smollm2"], json_schema_form=False) as server:
        backend = OpenAICompatBackend("llamacpp", server.url)
        request = ChatRequest(model="smollm2", messages=[ChatMessage(role="user", content="?")],
                              json_schema=SCHEMA)
        server.script(Reply(text='{"colour": "red"}'), Reply(text='{"colour": "blue"}'))
        try:
            first = await collect(backend.stream_chat(request), request)
            second = await collect(backend.stream_chat(request), request)
        finally:
            await backend.aclose()
        assert (first.parsed_json, second.parsed_json) == ({"colour": "red"}, {"colour": "blue"})
        forms = [r.json["response_format"]["type"]
                 for r in server.requests_to("/v1/chat/completions")]
        assert forms == ["json_schema", "json_object", "json_object"]


def test_the_fallback_reply_is_still_validated_against_the_schema(ingle_home, capsys, tmp_path):
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(SCHEMA))
    with FakeOpenAI(models=["smollm2"], json_schema_form=False) as server:
        configure(ingle_home, server)
        server.script(Reply(text='{"colour": "green"}'))
        assert main(["ask", "-m", "smollm2@llamacpp", "--schema", str(schema_file), "?"]) != 0
        err = capsys.readouterr().err
        assert "breaks the schema at colour" in err


def test_a_500_quotes_the_server_and_does_not_guess_at_memory(ingle_home, capsys):
    with FakeOpenAI(models=["smollm2"]) as server:
        configure(ingle_home, server)
        server.script(Reply(error_before=HttpError(status=500, message="slot 0 is busy")))
        assert main(["ask", "-m", "smollm2@llamacpp", "hi"]) != 0
        err = capsys.readouterr().err
        assert "slot 0 is busy" in err and "memory" not in err


def test_a_500_that_names_memory_says_so(ingle_home, capsys):
    with FakeOpenAI(models=["smollm2"]) as server:
        configure(ingle_home, server)
        server.script(Reply(error_before=HttpError(status=500,
                                                   message="failed to allocate KV cache")))
        assert main(["ask", "-m", "smollm2@llamacpp", "hi"]) != 0
        err = capsys.readouterr().err
        assert "failed to allocate KV cache" in err and "ran out of memory" in err


def test_a_validation_error_sent_as_500_reads_as_a_refused_field(ingle_home, capsys):
    with FakeOpenAI(models=["smollm2"]) as server:
        configure(ingle_home, server)
        server.script(Reply(error_before=HttpError(
            status=500, message="1 validation error:\n  {'type': 'greater_than', 'loc': "
            "('body', 'max_tokens'), 'msg': 'Input should be greater than 0', 'input': -1}")))
        assert main(["ask", "-m", "smollm2@llamacpp", "hi"]) != 0
        err = capsys.readouterr().err
        assert "rejected the request (HTTP 500); it said: max_tokens: Input should be greater " \
            "than 0 (got -1)" in err
        assert "memory" not in err
