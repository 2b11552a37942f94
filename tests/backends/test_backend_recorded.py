"""recorded_stream: the call log row, redaction, cancellation, and rate-limit retries."""

from __future__ import annotations

from contextlib import aclosing

import pytest

from ingle.core.backends.errors import RateLimited, StreamFailed, UnknownEndpoint
from ingle.core.backends.recorded import recorded_stream
from ingle.core.backends.registry import open_backend, open_claude, open_ollama, split_model_ref
from ingle.core.backends.retry import RetryPolicy
from ingle.core.backends.types import ChatMessage, ChatRequest, TextDelta
from ingle.core.config.loader import load_config
from ingle.core.config.settings import Settings
from ingle.memory.call_log import REDACTED, recent_calls, redact
from ingle.memory.store import Store
from tests.fakes.script import HttpError, MidStreamError, Reply

FAST = RetryPolicy(base_delay_s=0, max_delay_s=0)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "ingle.db") as s:
        yield s


def ask(model: str = "qwen3:8b", text: str = "hi", **kw: object) -> ChatRequest:
    return ChatRequest(model=model, messages=[ChatMessage(role="user", content=text)], **kw)


def whole_table(store: Store) -> str:
    return repr(list(store.db["model_calls"].rows))


async def drain(stream) -> list:
    return [e async for e in stream]


async def test_one_row_per_call_with_the_wire_body_reply_and_usage(fake_ollama, store, tmp_path):
    backend = open_ollama(load_config().settings)
    fake_ollama.script(Reply(thinking="ponder", text="answer", output_tokens=10))
    events = await drain(recorded_stream(backend, ask(think=True), store, persona="my-coder",
                                         task_kind="code", rung=1, repo=tmp_path))
    direct = [e.type for e in events]
    await backend.aclose()
    assert direct == ["thinking", "text", "usage"]
    (row,) = recent_calls(store)
    assert (row.model, row.endpoint, row.backend, row.outcome) == ("qwen3:8b", "local", "ollama", "ok")
    assert (row.persona, row.task_kind, row.rung, row.repo) == ("my-coder", "code", 1, str(tmp_path))
    assert (row.reply_text, row.thinking_text, row.think) == ("answer", "ponder", "true")
    assert row.output_tokens == 10 and row.thinking_tokens == 5 and row.done_reason == "stop"
    assert '"num_ctx": 16384' in row.request_json and '"keep_alive": "10m"' in row.request_json
    assert row.duration_s > 0 and row.error is None


async def test_keys_never_reach_the_log(fake_openai, store):
    fake_openai.api_key = "local-server-key-7f3a9c"
    settings = Settings.model_validate({"endpoints": {"vllm": {
        "kind": "openai", "url": fake_openai.url, "api_key": "local-server-key-7f3a9c"}}})
    backend = open_backend(settings, "vllm")
    fake_openai.script(Reply(text="your key is local-server-key-7f3a9c, and sk-ant-api03-abcdefghij"))
    pasted = "debug this: ANTHROPIC_API_KEY=sk-ant-api03-zzzzzzzzzzzz and Bearer abcdefgh12345678"
    await drain(recorded_stream(backend, ask("qwen3-8b", pasted), store))
    await backend.aclose()
    table = whole_table(store)
    for secret in ("local-server-key-7f3a9c", "sk-ant-api03", "abcdefgh12345678"):
        assert secret not in table
    assert table.count(REDACTED) >= 4


async def test_claude_key_is_not_logged(fake_anthropic, store):
    backend = open_claude(load_config().settings)
    fake_anthropic.script(Reply(text=f"echo {fake_anthropic.api_key}"))
    await drain(recorded_stream(backend, ask("claude-sonnet-4-6"), store))
    await backend.aclose()
    (row,) = recent_calls(store)
    assert row.backend == "anthropic" and row.cost_usd and row.cost_usd > 0
    assert fake_anthropic.api_key not in whole_table(store)


async def test_failed_call_is_recorded_with_its_error_and_partial_reply(fake_ollama, store):
    backend = open_ollama(load_config().settings)
    fake_ollama.script(Reply(text="half of it", error_midstream=MidStreamError(after=1)))
    with pytest.raises(StreamFailed):
        await drain(recorded_stream(backend, ask(), store))
    await backend.aclose()
    (row,) = recent_calls(store)
    assert row.outcome == "error" and row.reply_text == "half "
    assert "StreamFailed" in row.error and "an error was encountered" in row.error


async def test_caller_stopping_early_is_recorded_as_cancelled(fake_ollama, store):
    backend = open_ollama(load_config().settings)
    fake_ollama.script(Reply(text="many words in this long reply"))
    async with aclosing(recorded_stream(backend, ask(), store)) as stream:
        async for event in stream:
            assert isinstance(event, TextDelta)
            break
    await backend.aclose()
    (row,) = recent_calls(store)
    assert (row.outcome, row.reply_text) == ("cancelled", "many ")


async def test_rate_limited_call_is_retried_after_retry_after(fake_anthropic, store):
    backend = open_claude(load_config().settings)
    fake_anthropic.script(Reply(error_before=HttpError(status=429, message="slow", retry_after=0)),
                          Reply(error_before=HttpError(status=529, message="busy")),
                          Reply(text="finally"))
    notices: list[tuple[str, int]] = []
    events = await drain(recorded_stream(
        backend, ask("claude-sonnet-4-6"), store, retry=FAST,
        on_retry=lambda err, wait, attempt: notices.append((type(err).__name__, attempt))))
    await backend.aclose()
    assert events[0].text == "finally"
    assert notices == [("RateLimited", 1), ("Overloaded", 2)]
    assert len(fake_anthropic.requests_to("/v1/messages")) == 3
    assert [r.outcome for r in recent_calls(store)] == ["ok"]


async def test_retries_are_bounded(fake_ollama, store):
    backend = open_ollama(load_config().settings)
    busy = Reply(error_before=HttpError(status=503, message="queue full"))
    fake_ollama.script(busy, busy, busy)
    with pytest.raises(RateLimited):
        await drain(recorded_stream(backend, ask(), store, retry=FAST.model_copy(
            update={"max_attempts": 2})))
    await backend.aclose()
    assert len(fake_ollama.requests_to("/api/chat")) == 2
    assert fake_ollama.unused_replies == 1


async def test_no_retry_once_text_was_shown(fake_anthropic, store):
    backend = open_claude(load_config().settings)
    fake_anthropic.script(Reply(text="a b c", error_midstream=MidStreamError(after=1)),
                          Reply(text="never asked"))
    with pytest.raises(RateLimited):  # Overloaded mid-stream
        await drain(recorded_stream(backend, ask("claude-sonnet-4-6"), store, retry=FAST))
    await backend.aclose()
    assert len(fake_anthropic.requests_to("/v1/messages")) == 1


def test_split_model_ref():
    assert split_model_ref("qwen3:8b@gpu") == ("qwen3:8b", "gpu")
    assert split_model_ref("qwen3:8b") == ("qwen3:8b", None)
    assert split_model_ref("qwen3@sha256:abc") == ("qwen3@sha256:abc", None)
    assert split_model_ref("@gpu") == ("@gpu", None)


def test_unknown_endpoint_names_the_configured_ones():
    with pytest.raises(UnknownEndpoint) as caught:
        open_backend(Settings(), "gpu")
    assert "local" in caught.value.message and "[endpoints.gpu]" in caught.value.hint
    settings = Settings.model_validate({"endpoints": {"lm": {"kind": "openai",
                                                             "url": "http://127.0.0.1:1234"}}})
    with pytest.raises(UnknownEndpoint, match="not an Ollama server"):
        open_ollama(settings, "lm")


def test_redact_shapes():
    text = ('{"api_key": "abc123xyz", "Authorization": "Bearer tok_abcdef123456"} '
            "ghp_" + "a" * 36 + " AKIAABCDEFGHIJKLMNOP http://bob:hunter22@host/x sk-proj-" + "b" * 20)
    clean = redact(text, ["abc123xyz"])
    for leaked in ("abc123xyz", "tok_abcdef123456", "ghp_", "AKIAABCD", "hunter22", "sk-proj"):
        assert leaked not in clean
    assert '"api_key": "[REDACTED]"' in clean and "http://[REDACTED]@host/x" in clean
    assert redact("plain text about sockets and keys") == "plain text about sockets and keys"
