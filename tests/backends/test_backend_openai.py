"""OpenAICompatBackend against the fake OpenAI-compatible SSE server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ingle.core.backends.base import collect
from ingle.core.backends.errors import (
    AuthenticationFailed,
    IncompleteStream,
    InvalidJsonReply,
    ModelNotFound,
    RateLimited,
    StreamFailed,
)
from ingle.core.backends.openai_compat import OpenAICompatBackend
from ingle.core.backends.registry import open_backend
from ingle.core.backends.types import ChatMessage, ChatRequest, SamplingOptions, TextDelta, ThinkingDelta
from ingle.core.config.settings import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.script import FakeToolCall, HttpError, MidStreamError, Reply


def settings_for(server: FakeOpenAI, url_suffix: str = "", **endpoint: object) -> Settings:
    return Settings.model_validate({"endpoints": {
        "vllm": {"kind": "openai", "url": server.url + url_suffix, **endpoint}}})


@pytest.fixture
async def backend(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAICompatBackend]:
    b = open_backend(settings_for(fake_openai), "vllm")
    assert isinstance(b, OpenAICompatBackend)
    yield b
    await b.aclose()


def ask(text: str = "hi", **kw: object) -> ChatRequest:
    return ChatRequest(model="qwen3-8b", messages=[ChatMessage(role="user", content=text)], **kw)


async def events_of(backend, request):
    return [e async for e in backend.stream_chat(request)]


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_reasoning_fields_become_thinking_and_usage_chunk_is_read(fake_openai, backend, field):
    fake_openai.reasoning_field = field
    fake_openai.script(Reply(thinking="think first", text="then answer", output_tokens=20,
                             prompt_tokens=12))
    events = await events_of(backend, ask())
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == "think first"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "then answer"
    usage = events[-1]
    assert (usage.prompt_tokens, usage.output_tokens, usage.done_reason) == (12, 20, "stop")
    assert usage.thinking_tokens == 10  # 11 vs 11 characters of 20 tokens


async def test_request_uses_nested_response_format_and_stream_options(fake_openai, backend):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    fake_openai.script(Reply(text='{"n": 3}'))
    request = ask(json_schema=schema, think="high",
                  options=SamplingOptions(temperature=0.2, num_predict=64, stop=["END"]))
    result = await collect(backend.stream_chat(request), request)
    assert result.parsed_json == {"n": 3}
    sent = fake_openai.requests_to("/v1/chat/completions")[0].json
    assert sent["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "reply", "schema": schema, "strict": True}}
    assert sent["stream_options"] == {"include_usage": True}
    assert (sent["temperature"], sent["max_tokens"], sent["stop"]) == (0.2, 64, ["END"])
    assert sent["chat_template_kwargs"] == {"enable_thinking": True}
    assert sent["reasoning_effort"] == "high"


async def test_think_fields_are_not_sent_unless_asked(fake_openai, backend):
    fake_openai.script(Reply(text="x"))
    await events_of(backend, ask())
    sent = fake_openai.requests_to("/v1/chat/completions")[0].json
    assert "chat_template_kwargs" not in sent and "reasoning_effort" not in sent


async def test_base_url_with_v1_suffix_works(fake_openai):
    backend = open_backend(settings_for(fake_openai, "/v1/"), "vllm")
    fake_openai.script(Reply(text="ok"))
    events = await events_of(backend, ask())
    await backend.aclose()
    assert events[0].text == "ok"


async def test_think_tags_in_content_are_split_out(fake_openai, backend):
    fake_openai.script(Reply(thinking="hmm", text="fine", inline_think=True, chunks=4))
    events = await events_of(backend, ask())
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == "hmm"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "fine"


async def test_fragmented_tool_calls_are_assembled(fake_openai, backend):
    fake_openai.script(Reply(tool_calls=[FakeToolCall(name="grep", arguments={"pattern": "TODO"})]))
    result = await collect(backend.stream_chat(ask()), ask())
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("grep", {"pattern": "TODO"})]
    assert result.usage.done_reason == "tool_calls"


async def test_error_object_mid_stream_keeps_partial_text(fake_openai, backend):
    fake_openai.script(Reply(text="a b c d", error_midstream=MidStreamError(
        message="context shift failed", after=2)))
    with pytest.raises(StreamFailed, match="context shift failed") as caught:
        await events_of(backend, ask())
    assert caught.value.partial_text == "a b "


async def test_stream_ending_without_done_is_incomplete(fake_openai, backend):
    fake_openai.script(Reply(text="a b c", cut_after=2))
    with pytest.raises(IncompleteStream) as caught:
        await events_of(backend, ask())
    assert caught.value.partial_text == "a b "


async def test_errors_before_streaming(fake_openai, backend):
    fake_openai.script(Reply(error_before=HttpError(status=429, message="slow down",
                                                    retry_after=1.5)))
    with pytest.raises(RateLimited) as caught:
        await events_of(backend, ask())
    assert caught.value.retry_after_s == 1.5
    with pytest.raises(ModelNotFound) as missing:
        await events_of(backend, ChatRequest(model="other", messages=ask().messages))
    assert "ingle models" in missing.value.hint and "ollama" not in missing.value.hint


async def test_api_key_is_sent_and_a_wrong_one_is_authentication_failed(fake_openai):
    fake_openai.api_key = "local-secret-1234"
    good = open_backend(settings_for(fake_openai, api_key="local-secret-1234"), "vllm")
    bad = open_backend(settings_for(fake_openai, api_key="wrong-key-5678"), "vllm")
    fake_openai.script(Reply(text="ok"))
    assert (await events_of(good, ask()))[0].text == "ok"
    with pytest.raises(AuthenticationFailed, match="401"):
        await events_of(bad, ask())
    await good.aclose()
    await bad.aclose()


async def test_invalid_json_against_schema(fake_openai, backend):
    schema = {"type": "object", "required": ["n"]}
    fake_openai.script(Reply(text="not json"))
    with pytest.raises(InvalidJsonReply):
        await collect(backend.stream_chat(ask(json_schema=schema)), ask(json_schema=schema))


async def test_list_models(fake_openai, backend):
    fake_openai.models = ["qwen3-8b", "gemma-3"]
    assert [m.name for m in await backend.list_models()] == ["qwen3-8b", "gemma-3"]
