"""classify_expense and record_expense through the real MCP server (stdio) and the fake Ollama."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.expenses.conftest import verdicts
from tests.fakes.ollama_server import FakeOllama
from tests.frontends.mcp.test_mcp_server import call_error, call_ok, mcp_session, output_schemas


async def test_an_agent_classifies_then_records_an_expense(fake_ollama: FakeOllama, tmp_path: Path, capsys) -> None:
    from ingle.core.frontends.cli import main

    fake_ollama.script(verdicts(("transport", 0.95), amount="23.50"), verdicts(("transport", 0.95)))
    async with mcp_session(fake_ollama.url, tmp_path, tmp_path / "err.log") as session:
        schemas = await output_schemas(session)
        guess = await call_ok(session, schemas, "classify_expense", {"text": "uber 23.50 to airport"})
        assert (guess["category"], guess["amount"], guess["how"], guess["confirmed"]) == (
            "transport", "23.50", "model", True)
        assert await asyncio.to_thread(main, ["expense", "ls", "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []  # classifying stores nothing
        recorded = await call_ok(session, schemas, "record_expense", {"text": "uber 18 yesterday"})
        assert recorded["status"] == "confirmed" and recorded["category"] == "transport"
        error = await call_error(session, "record_expense", {"text": "a coffee with Ana"})
        assert "no amount" in error and "lunch 12.50" in error
    assert await asyncio.to_thread(main, ["expense", "ls", "--json"]) == 0
    (stored,) = json.loads(capsys.readouterr().out)
    assert stored["id"] == recorded["id"] and stored["amount"] == "18"
