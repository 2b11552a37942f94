"""OllamaBackend against the fake Ollama server, over real loopback sockets."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from ingle.core.backends.base import collect
from ingle.core.backends.errors import (
    CallTimedOut,
    CapabilityMissing,
    IncompleteStream,
    InvalidJsonReply,
    ModelNotFound,
    Overloaded,
    ServerError,
    ServerUnreachable,
    StreamFailed,
)
from ingle.core.backends.ollama import OllamaBackend
from ingle.core.backends.registry import open_ollama
from ingle.core.backends.types import (
    ChatMessage,
    ChatRequest,
    SamplingOptions,
    TextDelta,
    ThinkingDelta,
    ToolSpec,
)
from ingle.core.config.settings import Settings
from tests.fakes.ollama_server import FakeModel, FakeOllama
from tests.fakes.script import FakeToolCall, HttpError, MidStreamError, Reply


def settings_for(server: FakeOllama, **extra: object) -> Settings:
    return Settings.model_validate({"endpoints": {"local": {"url": server.url}}, **extra})


@pytest.fixture
async def backend(fake_ollama: FakeOllama) -> AsyncIterator[OllamaBackend]:
    b = open_ollama(settings_for(fake_ollama))
    yield b
    await b.aclose()


def ask(text: str = "hi", model: str = "qwen3:8b", **kw: object) -> ChatRequest:
    return ChatRequest(model=model, messages=[ChatMessage(role="user", content=text)], **kw)


async def events_of(backend: OllamaBackend, request: ChatRequest) -> list:
    return [e async for e in backend.stream_chat(request)]


async def test_streams_thinking_then_text_then_usage(fake_ollama, backend):
    fake_ollama.script(Reply(thinking="Reverse with a slice.", text="Use s[::-1] here.",
                             output_tokens=40, prompt_tokens=31))
    events = await events_of(backend, ask())
    kinds = [e.type for e in events]
    assert kinds == ["thinking"] * 4 + ["text"] * 3 + ["usage"]
    assert "".join(e.text for e in events if isinstance(e, ThinkingDelta)) == "Reverse with a slice."
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Use s[::-1] here."
    usage = events[-1]
    assert (usage.prompt_tokens, usage.output_tokens, usage.done_reason) == (31, 40, "stop")
    # 21 thinking chars vs 17 answer chars of 40 tokens -> 22 hidden thinking tokens
    assert usage.thinking_tokens == 22 and usage.visible_tokens == 18
    assert usage.tokens_per_s == pytest.approx(50.0)
    assert usage.eval_duration_s == pytest.approx(0.8)
    assert not usage.truncated


async def test_request_always_carries_num_ctx_and_keep_alive_but_think_only_when_set(
    fake_ollama, backend
):
    fake_ollama.script(Reply(text="a"), Reply(text="b"))
    await events_of(backend, ask(options=SamplingOptions(temperature=0.1, stop=["</x>"], seed=7)))
    await events_of(backend, ask(think=False))
    first, second = (r.json for r in fake_ollama.requests_to("/api/chat"))
    assert first["options"] == {"num_ctx": 16384, "temperature": 0.1, "seed": 7, "stop": ["</x>"]}
    assert first["keep_alive"] == "10m" and first["stream"] is True
    assert "think" not in first
    assert second["think"] is False and second["options"]["num_ctx"] == 16384


async def test_num_ctx_is_capped_at_trained_length_and_asked_once(fake_ollama):
    fake_ollama.models["tiny:1b"] = FakeModel(name="tiny:1b", context_length=2048)
    settings = settings_for(fake_ollama, models={"tiny:1b": {"num_ctx": 32768}})
    backend = open_ollama(settings)
    fake_ollama.script(Reply(text="one"), Reply(text="two"))
    await events_of(backend, ask(model="tiny:1b"))
    await events_of(backend, ask(model="tiny:1b", think=False))
    await backend.aclose()
    sent = [r.json["options"]["num_ctx"] for r in fake_ollama.requests_to("/api/chat")]
    assert sent == [2048, 2048]
    assert len(fake_ollama.requests_to("/api/show")) == 1


async def test_think_on_a_model_without_thinking_is_capability_missing(fake_ollama, backend):
    with pytest.raises(CapabilityMissing) as caught:
        await events_of(backend, ask(model="qwen2.5-coder:7b", think=True))
    assert "cannot think" in caught.value.message and "--think" in caught.value.hint


async def test_leading_think_tags_are_moved_into_thinking(fake_ollama, backend):
    # 6-char chunks split "<think>" and "</think>" across chunk boundaries.
    fake_ollama.script(Reply(thinking="plan it", text="done.", inline_think=True, chunks=6))
    events = await events_of(backend, ask())
    thinking = "".join(e.text for e in events if isinstance(e, ThinkingDelta))
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert (thinking, text) == ("plan it", "done.")
    assert events[-1].thinking_tokens > 0


async def test_content_that_merely_starts_with_a_tag_is_left_alone(fake_ollama, backend):
    fake_ollama.script(Reply(text="<div>hi</div>", chunks=3))
    events = await events_of(backend, ask())
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "<div>hi</div>"


async def test_unknown_model_is_model_not_found_with_pull_hint(fake_ollama, backend):
    with pytest.raises(ModelNotFound) as caught:
        await events_of(backend, ask(model="nope:1b"))
    assert caught.value.model == "nope:1b"
    assert "ollama pull nope:1b" in caught.value.hint


async def test_server_error_before_stream(fake_ollama, backend):
    fake_ollama.script(Reply(error_before=HttpError(status=500, message="out of memory")))
    with pytest.raises(ServerError) as caught:
        await events_of(backend, ask())
    assert "out of memory" in caught.value.message


async def test_busy_server_is_overloaded_with_retry_after(fake_ollama, backend):
    fake_ollama.script(Reply(error_before=HttpError(status=503, message="server busy",
                                                    retry_after=2)))
    with pytest.raises(Overloaded) as caught:
        await events_of(backend, ask())
    assert caught.value.retry_after_s == 2.0


async def test_error_mid_stream_keeps_partial_text(fake_ollama, backend):
    fake_ollama.script(Reply(text="one two three four", error_midstream=MidStreamError(after=2)))
    seen: list[str] = []
    with pytest.raises(StreamFailed) as caught:
        async for event in backend.stream_chat(ask()):
            seen.append(event.text)
    assert seen == ["one ", "two "]
    assert caught.value.partial_text == "one two "
    assert "an error was encountered" in caught.value.message


async def test_stream_without_final_record_is_incomplete(fake_ollama, backend):
    fake_ollama.script(Reply(text="alpha beta gamma", cut_after=1))
    with pytest.raises(IncompleteStream) as caught:
        await events_of(backend, ask())
    assert caught.value.partial_text == "alpha "


async def test_stalled_stream_times_out_client_side(fake_ollama):
    backend = open_ollama(settings_for(fake_ollama), read_timeout_s=0.3)
    fake_ollama.script(Reply(text="first second third", stall_after=1))
    with pytest.raises(CallTimedOut) as caught:
        await events_of(backend, ask())
    await backend.aclose()
    assert caught.value.partial_text == "first "


async def test_dead_port_is_server_unreachable_with_the_url():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    backend = open_ollama(Settings.model_validate({"endpoints": {"local": {"url": url}}}))
    with pytest.raises(ServerUnreachable) as caught:
        await events_of(backend, ask())
    await backend.aclose()
    assert url in caught.value.message
    assert "ollama serve" in caught.value.hint and "OLLAMA_HOST" in caught.value.hint


async def test_prompt_cut_to_num_ctx_is_flagged(fake_ollama):
    backend = open_ollama(settings_for(fake_ollama, models={"qwen3:8b": {"num_ctx": 1024}}))
    fake_ollama.script(Reply(text="ok"))
    events = await events_of(backend, ask("word " * 2400))  # ~3000 tokens into a 1024 window
    await backend.aclose()
    usage = events[-1]
    assert usage.prompt_tokens == 1024
    assert usage.truncated
    assert "num_ctx=1024" in usage.warnings[0]


async def test_json_schema_is_sent_as_format_and_validated(fake_ollama, backend):
    schema = {"type": "object", "properties": {"code": {"type": "string"}}, "required": ["code"]}
    fake_ollama.script(Reply(text='{"code": "s[::-1]"}'), Reply(text='{"cod": 1}'),
                       Reply(text="def f(): pass"))
    result = await collect(backend.stream_chat(ask(json_schema=schema)), ask(json_schema=schema))
    assert result.parsed_json == {"code": "s[::-1]"}
    assert fake_ollama.requests_to("/api/chat")[0].json["format"] == schema
    with pytest.raises(InvalidJsonReply, match="breaks the schema"):
        await collect(backend.stream_chat(ask(json_schema=schema)), ask(json_schema=schema))
    with pytest.raises(InvalidJsonReply, match="replied with something else") as caught:
        await collect(backend.stream_chat(ask(json_schema=schema)), ask(json_schema=schema))
    assert caught.value.partial_text == "def f(): pass"


async def test_tool_calls_arrive_whole(fake_ollama, backend):
    fake_ollama.script(Reply(tool_calls=[FakeToolCall(name="read_file", arguments={"path": "a.py"})]))
    tool = ToolSpec(name="read_file", description="read", parameters={"type": "object"})
    result = await collect(backend.stream_chat(ask(tools=[tool])), ask())
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("read_file", {"path": "a.py"})]
    assert fake_ollama.requests_to("/api/chat")[0].json["tools"][0]["function"]["name"] == "read_file"


async def test_model_listing_show_ps_and_version(fake_ollama, backend):
    names = [m.name for m in await backend.list_models()]
    assert names == ["qwen3:8b", "qwen3:14b", "qwen3:4b", "qwen2.5-coder:7b"]
    shown = await backend.show("qwen2.5-coder:7b")
    assert shown.context_length == 32768 and "thinking" not in shown.capabilities
    assert shown.details.quantization_level == "Q4_K_M"
    assert await backend.ps() == []
    fake_ollama.script(Reply(text="warm"))
    await events_of(backend, ask())
    (running,) = await backend.ps()
    assert (running.name, running.context_length, running.on_cpu_bytes) == ("qwen3:8b", 16384, 0)
    assert await backend.version() == "0.12.6"


async def test_pull_reports_progress_then_the_model_is_installed(fake_ollama, backend):
    events = [e async for e in backend.pull("llama3.2:3b")]
    assert events[0].status == "pulling manifest" and events[-1].status == "success"
    assert [e.fraction for e in events if e.total] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert "llama3.2:3b" in [m.name for m in await backend.list_models()]


async def test_failed_pull_raises_with_the_servers_reason(fake_ollama, backend):
    fake_ollama.pull_errors["nope:1b"] = "pull model manifest: file does not exist"
    with pytest.raises(StreamFailed, match="file does not exist"):
        async for _ in backend.pull("nope:1b"):
            pass


async def test_create_delete_and_embed(fake_ollama, backend):
    body = {"model": "coder-4k", "from": "qwen3:8b", "parameters": {"num_ctx": 4096},
            "system": "You write Go."}
    statuses = [e.status async for e in backend.create_model(body)]
    assert statuses[-1] == "success"
    shown = await backend.show("coder-4k")
    assert "num_ctx 4096" in shown.parameters and shown.system == "You write Go."
    assert fake_ollama.requests_to("/api/create")[0].json["stream"] is True
    await backend.delete("coder-4k")
    with pytest.raises(ModelNotFound):
        await backend.delete("coder-4k")
    vectors = await backend.embed("qwen3:8b", ["a", "b"])
    assert len(vectors) == 2 and len(vectors[0]) == 8 and vectors[0] != vectors[1]


async def test_create_from_a_missing_model_is_model_not_found(fake_ollama, backend):
    with pytest.raises(ModelNotFound):
        async for _ in backend.create_model({"model": "x", "from": "missing:1b"}):
            pass
