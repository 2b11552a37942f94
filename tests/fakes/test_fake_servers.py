"""The fakes themselves, read with a plain httpx client: they must speak the real wire formats."""

from __future__ import annotations

import json
import time

import httpx

from tests.fakes.script import Reply


def test_ollama_root_unknown_path_and_missing_script(fake_ollama):
    with httpx.Client(base_url=fake_ollama.url) as client:
        assert client.get("/").text == "Ollama is running"
        assert client.get("/api/nothing").status_code == 404
        body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}]}
        unscripted = client.post("/api/chat", json=body)
    assert unscripted.status_code == 500
    assert "no scripted reply left" in unscripted.json()["error"]


def test_ollama_chat_is_chunked_ndjson_shaped_like_the_real_server(fake_ollama):
    fake_ollama.script(Reply(thinking="hmm", text="yes"))
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}],
            "options": {"num_ctx": 8192}}
    with httpx.Client(base_url=fake_ollama.url) as client, \
            client.stream("POST", "/api/chat", json=body) as response:
        assert response.headers["content-type"] == "application/x-ndjson"
        assert response.headers["transfer-encoding"] == "chunked"
        lines = [json.loads(line) for line in response.iter_lines() if line]
    thinking, text, final = lines
    assert thinking["message"] == {"role": "assistant", "content": "", "thinking": "hmm"}
    assert text["message"] == {"role": "assistant", "content": "yes"} and text["done"] is False
    assert final["done"] is True and final["done_reason"] == "stop"
    assert {"total_duration", "load_duration", "prompt_eval_count", "eval_count",
            "eval_duration"} <= final.keys()
    recorded = fake_ollama.requests_to("/api/chat")[0]
    assert recorded.json == body and recorded.header("content-type") == "application/json"


def test_replies_can_be_a_function_of_the_request(fake_ollama):
    fake_ollama.respond_with(lambda req: Reply(text=req.json["messages"][-1]["content"].upper()))
    with httpx.Client(base_url=fake_ollama.url) as client:
        for word in ("one", "two"):
            body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": word}],
                    "stream": True}
            lines = client.post("/api/chat", json=body).text.splitlines()
            assert json.loads(lines[0])["message"]["content"] == word.upper()


def test_slow_stream_waits_between_chunks(fake_ollama):
    fake_ollama.script(Reply(text="a b c", delay=0.05))
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "x"}]}
    started = time.monotonic()
    with httpx.Client(base_url=fake_ollama.url) as client:
        client.post("/api/chat", json=body)
    assert time.monotonic() - started >= 0.1  # two gaps between three chunks, at least


def test_openai_sse_sequence_with_usage_only_when_asked(fake_openai):
    fake_openai.script(Reply(thinking="r", text="c"), Reply(text="c"))
    body = {"model": "qwen3-8b", "messages": [{"role": "user", "content": "hi"}],
            "stream": True, "stream_options": {"include_usage": True}}
    with httpx.Client(base_url=fake_openai.url) as client:
        with_usage = client.post("/v1/chat/completions", json=body)
        body.pop("stream_options")
        without = client.post("/v1/chat/completions", json=body)
    assert with_usage.headers["content-type"] == "text/event-stream"
    events = [e.removeprefix("data: ") for e in with_usage.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "reasoning_content": "r",
                                                "content": ""}
    assert chunks[2]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "stop"}
    assert chunks[3]["choices"] == [] and chunks[3]["usage"]["completion_tokens"] == 2
    assert '"usage"' not in without.text and without.text.endswith("data: [DONE]\n\n")


def test_anthropic_events_all_named_in_order(fake_anthropic):
    fake_anthropic.script(Reply(thinking="t", text="x"))
    body = {"model": "claude-sonnet-4-6", "max_tokens": 100,
            "messages": [{"role": "user", "content": "hi"}], "stream": True}
    headers = {"x-api-key": fake_anthropic.api_key}
    with httpx.Client(base_url=fake_anthropic.url) as client:
        response = client.post("/v1/messages", json=body, headers=headers)
        refused = client.post("/v1/messages", json=body, headers={"x-api-key": "wrong"})
    names = []
    for event in filter(None, response.text.split("\n\n")):
        event_line, data_line = event.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        assert json.loads(data_line[6:])["type"] == event_line[7:]
        names.append(event_line[7:])
    assert names == ["message_start", "ping",
                     "content_block_start", "content_block_delta", "content_block_delta",
                     "content_block_stop",
                     "content_block_start", "content_block_delta", "content_block_stop",
                     "message_delta", "message_stop"]
    assert refused.status_code == 401
    assert refused.json()["error"]["type"] == "authentication_error"


def test_fake_ollama_answers_stream_false_with_one_object(fake_ollama) -> None:
    import httpx

    from tests.fakes.script import Reply

    fake_ollama.script(Reply(text="hello there", thinking="hmm"))
    body = {"model": "qwen3:8b", "messages": [{"role": "user", "content": "hi"}], "stream": False}
    answer = httpx.post(f"{fake_ollama.url}/api/chat", json=body).json()
    assert answer["done"] is True and answer["message"]["content"] == "hello there"
    assert answer["message"]["thinking"] == "hmm" and answer["eval_count"] > 0
