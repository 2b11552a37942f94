"""Streaming Markdown: where replies are cut, what is drawn, and the transcript's limits."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from ingle.core.agent.saved_session import ConversationEntry
from ingle.tui.widgets.markdown_splitter import Cut, MarkdownSplitter
from ingle.tui.widgets.markdown_document import MarkdownDocument
from ingle.tui.widgets.streaming_markdown import StreamingMarkdown
from ingle.tui.panes.chat.widgets.transcript import Transcript

FENCED = "Intro paragraph.\n\n```python\nx = 1\n\n\nprint(x)\n```\n\nAfter the code.\n\n- a\n\n  still a\n\n- b\n"


def documents(text: str, fragments: list[int], min_chars: int = 0) -> list[str]:
    """Feed `text` cut at the given sizes; the documents the splitter makes."""
    splitter = MarkdownSplitter(min_chars=min_chars)
    docs = [""]
    start = 0
    for size in [*fragments, len(text)]:
        for piece in splitter.feed(text[start : start + size]):
            if isinstance(piece, Cut):
                docs.append("")
            else:
                docs[-1] += piece
        start += size
        if start >= len(text):
            break
    return [d for d in docs if d]


def test_cuts_fall_only_where_a_top_level_block_starts() -> None:
    docs = documents(FENCED, [len(FENCED)])
    assert docs == [
        "Intro paragraph.\n\n",
        "```python\nx = 1\n\n\nprint(x)\n```\n\n",  # blank lines inside the fence: no cut
        "After the code.\n\n",
        "- a\n\n  still a\n\n",  # an indented continuation stays with its item
        "- b\n",
    ]


def test_min_chars_keeps_documents_from_getting_small() -> None:
    docs = documents(FENCED, [len(FENCED)], min_chars=40)
    assert all(len(d) >= 40 for d in docs[:-1]) and "".join(docs) == FENCED


markdown_lines = st.lists(
    st.sampled_from(
        ["", "para text", "  indented", "```", "```py", "~~~", "- item", "# head", "| a | b |", "    code"]
    ),
    max_size=40,
).map(lambda lines: "\n".join(lines) + "\n")


@settings(max_examples=150, deadline=None)
@given(text=markdown_lines, fragments=st.lists(st.integers(1, 12), max_size=60))
def test_cuts_do_not_depend_on_how_the_tokens_arrive(text: str, fragments: list[int]) -> None:
    whole = documents(text, [len(text)])
    streamed = documents(text, fragments)
    assert streamed == whole and "".join(whole) == text


class StreamApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StreamingMarkdown(min_chars=0)


async def test_a_streamed_reply_settles_into_documents_and_draws_highlighted_code() -> None:
    app = StreamApp()
    async with app.run_test(size=(80, 60)) as pilot:
        reply = app.query_one(StreamingMarkdown)
        for i in range(0, len(FENCED), 3):
            reply.write(FENCED[i : i + 3])
        await reply.finish()
        await pilot.pause()
        docs = list(reply.query(MarkdownDocument))
        assert [d.source for d in docs] == documents(FENCED, [len(FENCED)])
        assert reply.source == FENCED
        drawn = [d.render_line(y) for d in docs for y in range(d.size.height)]
        assert any("print(x)" in line.text for line in drawn)
        code = next(d for d in docs if "print" in d.source)
        styles = {s.style for y in range(code.size.height) for s in code.render_line(y)}
        assert len({s.color for s in styles if s is not None and s.color}) >= 2  # highlighted


class TranscriptApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Transcript(max_mounted=10, batch=4)


async def test_the_transcript_archives_old_entries_and_draws_them_again_on_demand() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 20)) as pilot:
        transcript = app.query_one(Transcript)
        for i in range(25):
            transcript.add_entry(ConversationEntry(kind="user", text=f"message {i}"))
        await pilot.pause()
        assert len(transcript.entry_widgets) == 10
        assert [e.text for e in transcript.archived] == [f"message {i}" for i in range(15)]
        assert "15 earlier" in str(transcript.bar.render())
        transcript.show_earlier()
        await pilot.pause()
        shown = [w.text for w in transcript.entry_widgets]
        assert shown[:5] == [f"message {i}" for i in range(11, 16)]
        assert len(transcript.archived) == 11


async def test_a_restored_conversation_draws_only_its_newest_entries() -> None:
    app = TranscriptApp()
    async with app.run_test(size=(80, 20)) as pilot:
        transcript = app.query_one(Transcript)
        transcript.load([ConversationEntry(kind="answer", text=f"reply **{i}**") for i in range(12)])
        await pilot.pause()
        assert [w.source for w in transcript.entry_widgets] == [f"reply **{i}**" for i in range(7, 12)]
        assert len(transcript.archived) == 7
