"""Split a leading `<think>...</think>` out of streamed content.

Old Ollama servers (and OpenAI-compatible servers without a reasoning parser)
put a reasoning model's thinking inline at the start of the content. The tags
can be split across chunks, so this is a small state machine fed chunk by chunk.
Once the content is known not to start with a think block it passes through
untouched; callers check `passthrough` to skip the call on the hot path.
"""

from __future__ import annotations

from ingle.core.backends.types import StreamEvent, TextDelta, ThinkingDelta

OPEN = "<think>"
CLOSE = "</think>"

_UNDECIDED, _THINKING, _AFTER, _PASS = range(4)


class ThinkTagSplitter:
    def __init__(self) -> None:
        self._state = _UNDECIDED
        self._buffer = ""

    @property
    def passthrough(self) -> bool:
        return self._state == _PASS

    def feed(self, content: str) -> list[tuple[bool, str]]:
        """Pieces of (is_thinking, text) ready to emit; partial tags are held back."""
        out: list[tuple[bool, str]] = []
        if self._state == _PASS:
            if content:
                out.append((False, content))
            return out
        self._buffer += content
        if self._state == _UNDECIDED:
            head = self._buffer.lstrip()
            if not head or (len(head) < len(OPEN) and OPEN.startswith(head)):
                return out  # could still become "<think>"
            if not head.startswith(OPEN):
                self._state = _PASS
                text, self._buffer = self._buffer, ""
                out.append((False, text))
                return out
            self._state = _THINKING
            self._buffer = head[len(OPEN) :]
        if self._state == _THINKING:
            end = self._buffer.find(CLOSE)
            if end == -1:
                keep = _partial_suffix(self._buffer, CLOSE)
                ready = self._buffer[: len(self._buffer) - keep]
                self._buffer = self._buffer[len(ready) :]
                if ready:
                    out.append((True, ready))
                return out
            if end:
                out.append((True, self._buffer[:end]))
            self._buffer = self._buffer[end + len(CLOSE) :]
            self._state = _AFTER
        # _AFTER: the answer starts after the blank line models put behind </think>.
        rest = self._buffer.lstrip()
        if rest:
            self._state = _PASS
            self._buffer = ""
            out.append((False, rest))
        return out

    def flush(self) -> list[tuple[bool, str]]:
        """At the end of the stream: whatever is held back (an unclosed think block is thinking)."""
        held, self._buffer = self._buffer, ""
        if not held:
            return []
        if self._state == _THINKING:
            return [(True, held)]
        if self._state == _AFTER:
            return []  # only whitespace after </think>
        return [(False, held)]


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of `text` that is a proper start of `tag`."""
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


def as_events(
    pieces: list[tuple[bool, str]], text: list[str], thinking: list[str]
) -> list[StreamEvent]:
    """The splitter's pieces as stream events, each also kept in `text` or `thinking`
    (what the backend's usage record and partial-reply errors are built from)."""
    events: list[StreamEvent] = []
    for is_thinking, piece in pieces:
        if is_thinking:
            thinking.append(piece)
            events.append(ThinkingDelta(text=piece))
        else:
            text.append(piece)
            events.append(TextDelta(text=piece))
    return events


def delta_events(
    splitter: ThinkTagSplitter, thinking_piece: str | None, content_piece: str | None,
    text: list[str], thinking: list[str],
) -> list[StreamEvent]:
    """One streamed delta (the server's own thinking field, then its content) as events:
    content goes through the splitter unless it passes everything through, the hot path."""
    events: list[StreamEvent] = []
    if thinking_piece:
        thinking.append(thinking_piece)
        events.append(ThinkingDelta(text=thinking_piece))
    if content_piece:
        if splitter.passthrough:
            text.append(content_piece)
            events.append(TextDelta(text=content_piece))
        else:
            events += as_events(splitter.feed(content_piece), text, thinking)
    return events
