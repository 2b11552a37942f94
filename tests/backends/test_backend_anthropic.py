"""ClaudeBackend (the real anthropic SDK) against the fake Anthropic SSE server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from ingle.core.backends.anthropic_backend import ClaudeBackend
from ingle.core.backends.base import collect
from ingle.core.backends.errors import (
    AuthenticationFailed,
    IncompleteStream,
    NoApiKey,
    Overloaded,
    RateLimited,
    ServerUnreachable,
    StreamFailed,
)
from ingle.core.backends.registry import open_backend, open_claude
from ingle.core.backends.types import ChatMessage, ChatRequest, SamplingOptions, TextDelta, ThinkingDelta
from ingle.core.config.loader import load_config
from ingle.core.config.settings import Settings
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.script import FakeToolCall, HttpError, MidStreamError, Reply


@pytest.fixture
async def claude(fake_anthropic: FakeAnthropic) -> AsyncIterator[ClaudeBackend]:
    backend = open_claude(load_config().settings)  # key and base URL from the environment
    yield backend
    await backend.aclose()


def ask(**kw: object) -> ChatRequest:
    return ChatRequest(model="claude-sonnet-4-6", messages=[
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(role="user", content="Review this diff."),
    ], **kw)


async def events_of(backend, request):
    return [e async for e in backend.stream_chat(request)]


async def test_thinking_and_text_stream_with_usage_and_cost(fake_anthropic, claude):
    fake_anthropic.script(Reply(thinking="Look at the loop.", text="Off by one on line 3.",
                                prompt_tokens=1000, output_tokens=2000))
    events = await events_of(claude, ask(think=True))
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == "Look at the loop."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Off by one on line 3."
    usage = events[-1]
    assert (usage.prompt_tokens, usage.output_tokens, usage.done_reason) == (1000, 2000, "end_turn")
    assert 0 < usage.thinking_tokens < 2000
    # claude-sonnet-4-6 at $3 in / $15 out per million tokens
    assert usage.cost_usd == pytest.approx(1000 * 3 / 1e6 + 2000 * 15 / 1e6)


async def test_request_shape(fake_anthropic, claude):
    fake_anthropic.script(Reply(text="ok"), Reply(text="ok"))
    await events_of(claude, ask(options=SamplingOptions(temperature=0.1, stop=["##"])))
    await events_of(claude, ask(think="high"))
    plain, thinking = (r.json for r in fake_anthropic.requests_to("/v1/messages"))
    assert plain["system"] == "Be brief." and plain["messages"] == [
        {"role": "user", "content": "Review this diff."}]
    assert plain["temperature"] == 0.1 and plain["stop_sequences"] == ["##"]
    assert "thinking" not in plain
    assert thinking["thinking"]["type"] == "enabled" and "temperature" not in thinking
    assert thinking["thinking"]["budget_tokens"] < thinking["max_tokens"]
    request = fake_anthropic.requests_to("/v1/messages")[0]
    assert fake_anthropic.api_key in (request.header("authorization") or "") + (
        request.header("x-api-key") or "")


async def test_tool_use_blocks_become_tool_calls(fake_anthropic, claude):
    fake_anthropic.script(Reply(text="Let me look.", tool_calls=[
        FakeToolCall(name="read_file", arguments={"path": "main.go"}, id="toolu_1")]))
    result = await collect(claude.stream_chat(ask()), ask())
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("toolu_1", "read_file", {"path": "main.go"})]
    assert result.usage.done_reason == "tool_use"


@pytest.mark.parametrize(("status", "error"), [(429, RateLimited), (529, Overloaded)])
async def test_rate_limit_and_overload_map_with_retry_after(fake_anthropic, claude, status, error):
    fake_anthropic.script(Reply(error_before=HttpError(status=status, message="busy",
                                                       retry_after=3)))
    with pytest.raises(error) as caught:
        await events_of(claude, ask())
    assert caught.value.retry_after_s == 3.0
    assert type(caught.value) is error


async def test_wrong_key_is_authentication_failed(fake_anthropic):
    settings = Settings.model_validate({"claude": {"api_key": "sk-ant-wrong-key-000",
                                                   "base_url": fake_anthropic.url}})
    backend = open_claude(settings)
    with pytest.raises(AuthenticationFailed) as caught:
        await events_of(backend, ask())
    await backend.aclose()
    assert "ANTHROPIC_API_KEY" in caught.value.hint


async def test_overloaded_error_event_mid_stream(fake_anthropic, claude):
    fake_anthropic.script(Reply(text="one two three four", error_midstream=MidStreamError(
        type="overloaded_error", message="Overloaded", after=2)))
    with pytest.raises(Overloaded) as caught:
        await events_of(claude, ask())
    assert caught.value.partial_text == "one two "


async def test_other_error_event_mid_stream_is_stream_failed(fake_anthropic, claude):
    fake_anthropic.script(Reply(text="one two", error_midstream=MidStreamError(
        type="api_error", message="Internal server error", after=1)))
    with pytest.raises(StreamFailed, match="Internal server error") as caught:
        await events_of(claude, ask())
    assert caught.value.partial_text == "one "


async def test_stream_without_message_stop_is_incomplete(fake_anthropic, claude):
    fake_anthropic.script(Reply(text="a b c", cut_after=2))
    with pytest.raises(IncompleteStream) as caught:
        await events_of(claude, ask())
    assert caught.value.partial_text == "a b "


def test_no_key_is_no_api_key_with_a_hint():
    with pytest.raises(NoApiKey) as caught:
        open_claude(Settings())
    assert "ANTHROPIC_API_KEY" in caught.value.hint


async def test_claude_is_an_endpoint_name_and_unreachable_url_is_reported():
    settings = Settings.model_validate({"claude": {"api_key": "sk-ant-x-000000000",
                                                   "base_url": "http://127.0.0.1:9"}})
    backend = open_backend(settings, "claude")
    assert backend.kind == "anthropic"
    with pytest.raises(ServerUnreachable, match="127.0.0.1:9"):
        await events_of(backend, ask())
    await backend.aclose()
