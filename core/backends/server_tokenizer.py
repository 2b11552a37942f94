"""Counting tokens with the server's own tokenizer, for servers whose stream carries no usage.

llama-cpp-python's server has `POST /extras/tokenize` (`{"input": text}` -> `{"tokens": [...]}`);
llama.cpp's llama-server has `POST /tokenize` (`{"content": text}` -> `{"tokens": [...]}`).
Which one a server has is learned on first use and kept for the client's life. A count
made this way is still an estimate of the prompt (the chat template's own tokens are
not in the text), so callers mark it as such.
"""

from __future__ import annotations

import httpx

# (path, the field the text goes in), in the order they are tried.
ROUTES: tuple[tuple[str, str], ...] = (("/extras/tokenize", "input"), ("/tokenize", "content"))
_TIMEOUT_S = 30.0


class ServerTokenizer:
    def __init__(self, client: httpx.AsyncClient, base_url: str) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        # None: not tried yet; () : the server has none of the routes.
        self._route: tuple[str, str] | tuple[()] | None = None

    async def count(self, text: str) -> int | None:
        """How many tokens the server's tokenizer makes of `text`; None when it cannot say."""
        if not text:
            return 0
        routes = ROUTES if self._route is None else ((self._route,) if self._route else ())
        for path, field in routes:
            try:
                response = await self._client.post(
                    f"{self._base_url}{path}", json={field: text}, timeout=_TIMEOUT_S
                )
            except httpx.HTTPError:
                return None  # a count is not worth failing the call over
            if response.status_code in (404, 405):
                continue
            tokens = _tokens_of(response)
            if tokens is None:
                continue
            self._route = (path, field)
            return tokens
        self._route = ()
        return None


def _tokens_of(response: httpx.Response) -> int | None:
    if response.status_code != 200:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    tokens = data.get("tokens") if isinstance(data, dict) else None
    return len(tokens) if isinstance(tokens, list) else None
