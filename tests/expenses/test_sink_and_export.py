"""Where expenses go: the user's sink command (a real subprocess) and CSV / .xlsx files."""

from __future__ import annotations

import csv
import json
import sys
from decimal import Decimal
from pathlib import Path

from tests.expenses.conftest import Run, verdicts
from tests.fakes.ollama_server import FakeOllama

SINK = """
import json, sys
line = sys.stdin.readline()
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(line)
sys.exit(int(sys.argv[2]))
"""


def configure_sink(ingle_home: Path, tmp_path: Path, exit_status: int) -> Path:
    script = tmp_path / "sink.py"
    script.write_text(SINK)
    received = tmp_path / "received.jsonl"
    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    command = json.dumps([sys.executable, str(script), str(received), str(exit_status)])
    config.write_text(f"[expenses.sink]\ncommand = {command}\n")
    return received


def test_each_confirmed_expense_reaches_the_sink_before_the_command_returns(
    fake_ollama: FakeOllama, run: Run, run_json, ingle_home: Path, tmp_path: Path
) -> None:
    received = configure_sink(ingle_home, tmp_path, 0)
    run("rules", "add", "--contains", "uber", "transport")
    expense = run_json("add", "uber 23.50 to airport")
    (line,) = received.read_text().splitlines()
    sent = json.loads(line)
    assert (sent["id"], sent["amount"], sent["category"], sent["currency"]) == (
        expense["id"], "23.50", "transport", "USD")
    assert expense["sink"] == "delivered"
    fake_ollama.script(verdicts(("dining", 0.2)))  # unsure: pending, not sent yet
    pending = run_json("add", "lunch 12.50")
    assert len(received.read_text().splitlines()) == 1
    run_json("fix", str(pending["id"]), "dining")  # the user's answer confirms it: sent
    assert json.loads(received.read_text().splitlines()[-1])["category"] == "dining"


def test_a_failing_sink_keeps_the_expense_and_is_retried(
    fake_ollama: FakeOllama, run: Run, run_json, ingle_home: Path, tmp_path: Path
) -> None:
    configure_sink(ingle_home, tmp_path, 3)
    run("rules", "add", "--contains", "uber", "transport")
    expense = run_json("add", "uber 23.50")
    assert expense["status"] == "confirmed"
    assert "failed" in expense["sink"] and "will retry" in expense["sink"]
    received = configure_sink(ingle_home, tmp_path, 0)  # the user's program works again
    run_json("add", "uber 9.90")  # the next confirming command retries the old one first
    delivered = [json.loads(line)["id"] for line in received.read_text().splitlines()]
    assert delivered[-2:] == [expense["id"], expense["id"] + 1]
    assert {e["sink"] for e in run_json("ls")} == {"delivered"}


def test_an_untrusted_repository_cannot_set_the_sink_command(
    fake_ollama: FakeOllama, run: Run, run_json, tmp_path: Path, monkeypatch
) -> None:
    from ingle.core.config.loader import load_config

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".ingle.toml").write_text('[expenses.sink]\ncommand = ["sh", "-c", "echo pwned"]\n')
    loaded = load_config(repo=repo)
    assert loaded.settings.expenses.sink.command == []
    assert any("expenses.sink.command" in n for n in loaded.notices)


def test_csv_and_xlsx_exports_round_trip(fake_ollama: FakeOllama, run: Run, run_json, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run("rules", "add", "--contains", "cinema", "entertainment")
    run("rules", "add", "--contains", "market", "groceries")
    for text in ("cinema 40.10 2026-10-03", "market 1.234,56 2026-10-04", "market 10 2026-11-01"):
        run_json("add", text)
    stored = run_json("ls")
    status, out, _ = run("export", "--format", "csv", "--output", str(tmp_path / "e.csv"))
    assert status == 0 and "wrote" in out
    with (tmp_path / "e.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["date"], r["amount"], r["category"]) for r in rows] == [
        (e["date"], e["amount"], e["category"]) for e in stored]
    assert run("export", "--format", "xlsx", "--output", str(tmp_path / "e.xlsx"))[0] == 0
    book = load_workbook(tmp_path / "e.xlsx")
    sheet = book["Expenses"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [Decimal(str(v[2])) for v in values] == [Decimal(e["amount"]) for e in stored]
    summary = [[c.value for c in row] for row in book["Monthly summary"].iter_rows(min_row=2)]
    assert summary[0][:3] == ["2026-10", "entertainment", "USD"]
    assert [(m, c) for m, c, _, _ in summary] == [
        ("2026-10", "entertainment"), ("2026-10", "groceries"), ("2026-11", "groceries")]
    assert Decimal(str(summary[1][3])) == Decimal("1234.56")
    status, _, err = run("export", "--format", "csv", "--output", str(tmp_path / "no" / "e.csv"))
    assert status == 2 and "no such directory" in err
