"""`ingle expense` end to end: the real CLI, the real store, the fake Ollama as the classifier."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.expenses.conftest import Run, verdicts
from tests.fakes.ollama_server import FakeOllama
from tests.fakes.script import HttpError, Reply


def chat_requests(server: FakeOllama) -> list[dict]:
    return [r.json for r in server.requests_to("/api/chat")]


def test_add_asks_the_classifier_with_the_categories_as_an_enum(fake_ollama: FakeOllama, run_json) -> None:
    fake_ollama.script(verdicts(("transport", 0.95), merchant="Uber", amount="23.50"))
    expense = run_json("add", "uber 23.50 to airport")
    assert (expense["category"], expense["status"], expense["amount"]) == ("transport", "confirmed", "23.50")
    assert expense["path"] == "model"
    sent = chat_requests(fake_ollama)[0]
    assert sent["model"] == "qwen3:8b" and sent["think"] is False
    assert sent["options"]["temperature"] == 0.1
    enum = sent["format"]["properties"]["items"]["items"]["properties"]["category"]["enum"]
    assert "transport" in enum and "groceries" in enum and len(enum) >= 15
    assert "uber 23.50 to airport" in sent["messages"][-1]["content"]


def test_an_unsure_classification_waits_for_the_user(fake_ollama: FakeOllama, run: Run, run_json) -> None:
    fake_ollama.script(verdicts(("dining", 0.3)))
    expense = run_json("add", "almoço 32,90 ontem")
    assert expense["status"] == "pending" and expense["category"] == "dining"
    status, out, _ = run("ls", "--pending")
    assert status == 0 and "waiting for you" in out and "almoço" in out
    status, out, _ = run("add", "padaria 8,50")  # the server answers nothing usable now
    assert status == 0


def test_two_consistent_fixes_become_a_rule_and_the_model_is_not_asked_again(
    fake_ollama: FakeOllama, run: Run, run_json
) -> None:
    fake_ollama.script(verdicts(("dining", 0.9)), verdicts(("dining", 0.9)))
    first = run_json("add", "SQ *BLUE BOTTLE COFFEE #12 4.50")
    second = run_json("add", "SQ *BLUE BOTTLE COFFEE #77 5.10")
    assert first["merchant"] == second["merchant"] == "blue bottle coffee"
    fixed = run_json("fix", str(first["id"]), "coffee")
    assert fixed["created_category"] is True and fixed["learned_rule"] is None
    fixed = run_json("fix", str(second["id"]), "coffee")
    assert fixed["learned_rule"]["pattern"] == "blue bottle coffee"
    assert fixed["learned_rule"]["origin"] == "learned"
    asked = len(chat_requests(fake_ollama))
    third = run_json("add", "SQ *BLUE BOTTLE COFFEE #3 3.90")
    assert (third["category"], third["path"], third["status"]) == ("coffee", "rule", "confirmed")
    assert len(chat_requests(fake_ollama)) == asked  # no model call
    status, out, _ = run("rules")
    assert "learned rule" in out and "blue bottle coffee" in out
    rule_id = fixed["learned_rule"]["id"]
    assert run("rules", "rm", str(rule_id))[0] == 0
    assert run_json("rules") == []


def test_fix_with_a_new_category_says_it_was_created(fake_ollama: FakeOllama, run: Run, run_json) -> None:
    fake_ollama.script(verdicts(("other", 0.2)))
    expense = run_json("add", "vet 120 for Rex")
    status, out, _ = run("fix", str(expense["id"]), "pets")
    assert status == 0 and "new category: pets" in out
    assert "pets" in run_json("categories")


CSV = """date,description,amount,balance
2026-10-01,POS Purchase Engen Mitchell Park * 01 Oct,-377.17,1 000.00
2026-10-02,Woolworths Food Cape Town,"-1 234,50",900.00
2026-10-03,Salary October,"25 000.00",26 000.00
2026-10-04,Broken row,Bank,1.00
2026-10-05,POS Purchase Engen Rondebosch * 05 Oct,-410.00,100.00
"""


def test_import_batches_lines_into_one_request_and_a_reimport_adds_nothing(
    fake_ollama: FakeOllama, run: Run, run_json, tmp_path: Path
) -> None:
    statement = tmp_path / "october.csv"
    statement.write_text(CSV)
    fake_ollama.script(verdicts(("fuel", 0.95), ("groceries", 0.95), ("income", 0.95), ("fuel", 0.95)))
    report = run_json("import", str(statement))
    assert len(report["added"]) == 4 and report["duplicates"] == 0
    assert report["bad_rows"] == [{"line": 5, "reason": "no amount in 'Bank'"}]
    assert len(chat_requests(fake_ollama)) == 1  # one request for the whole batch
    amounts = {e["text"]: (e["amount"], e["direction"]) for e in report["added"]}
    assert amounts["Woolworths Food Cape Town"] == ("1234.50", "out")
    assert amounts["Salary October"] == ("25000.00", "in")
    before = run_json("ls")
    status, out, err = run("import", str(statement))
    assert status == 0 and "0 added, 4 already there, 1 bad rows skipped" in out
    assert "line 5: no amount in 'Bank'" in err
    assert len(chat_requests(fake_ollama)) == 1  # duplicates never reach the model
    assert run_json("ls") == before  # nothing stored was touched


def test_named_columns_and_a_saved_profile(fake_ollama: FakeOllama, run: Run, run_json, tmp_path: Path) -> None:
    statement = tmp_path / "extrato.csv"
    statement.write_text("Quando;Histórico do lançamento;Quantia\n02/11/2026;PIX Padaria Pão Quente;-8,50\n")
    status, _, err = run("import", str(statement))
    assert status == 2 and "--columns date=COL,amount=COL,text=COL" in err
    fake_ollama.script(verdicts(("groceries", 0.95)))
    report = run_json("import", str(statement), "--columns", "date=Quando,amount=3,text=Histórico do lançamento",
                      "--save-profile", "meu-banco")
    (expense,) = report["added"]
    assert (expense["date"], expense["amount"], expense["merchant"]) == ("2026-11-02", "8.50", "padaria pão quente")
    statement.write_text("Quando;Histórico do lançamento;Quantia\n03/11/2026;Farmácia Boa Saúde;-45,00\n")
    fake_ollama.script(verdicts(("health", 0.95)))
    report = run_json("import", str(statement), "--profile", "meu-banco")
    assert report["added"][0]["amount"] == "45.00"
    status, _, err = run("import", str(statement), "--profile", "nope")
    assert status == 2 and "no import profile named 'nope'" in err


def test_nearest_confirmed_lines_that_agree_decide_without_the_model(
    fake_ollama: FakeOllama, run: Run, run_json
) -> None:
    fake_ollama.script(verdicts(("fuel", 0.95)), verdicts(("fuel", 0.95)))
    run_json("add", "POS Purchase Engen Mitchell Park 300")
    run_json("add", "POS Purchase Engen Rondebosch 250")
    asked = len(chat_requests(fake_ollama))
    third = run_json("add", "POS Purchase Engen Claremont 280")
    assert (third["category"], third["path"], third["status"]) == ("fuel", "neighbours", "confirmed")
    assert "nearest confirmed" in third["reason"]
    assert len(chat_requests(fake_ollama)) == asked


def test_the_users_rules_come_first_most_specific_first(fake_ollama: FakeOllama, run: Run, run_json) -> None:
    assert run("rules", "add", "--contains", "uber", "transport")[0] == 0
    assert run("rules", "add", "--contains", "uber", "--min", "50", "travel")[0] == 0
    assert run("rules", "add", "--is", "uber eats", "dining")[0] == 0
    assert run_json("add", "uber eats 30")["category"] == "dining"  # "is" beats "contains"
    assert run_json("add", "uber 80 to the airport")["category"] == "travel"  # a range is more specific
    assert run_json("add", "uber 12")["category"] == "transport"
    assert chat_requests(fake_ollama) == []
    status, _, err = run("rules", "add", "--regex", "(unclosed", "x")
    assert status == 2 and "does not compile" in err


def test_renaming_and_merging_categories_rewrites_history(fake_ollama: FakeOllama, run: Run, run_json) -> None:
    run("rules", "add", "--contains", "cinema", "entertainment")
    run("rules", "add", "--contains", "netflix", "subscriptions")
    run_json("add", "cinema 40")
    run_json("add", "netflix 55")
    status, _, err = run("categories", "--rename", "entertainment", "fun")
    assert status == 0 and "1 expenses changed" in err
    status, _, _ = run("categories", "--rename", "subscriptions", "fun")  # a merge
    assert status == 0
    assert {e["category"] for e in run_json("ls")} == {"fun"}
    names = run_json("categories")
    assert "fun" in names and "subscriptions" not in names and "entertainment" not in names
    assert {r["category"] for r in run_json("rules")} == {"fun"}


def test_report_and_list_filters(fake_ollama: FakeOllama, run: Run, run_json, tmp_path: Path) -> None:
    statement = tmp_path / "s.csv"
    statement.write_text("date,description,amount\n2026-10-01,Cinema Nouveau,-100.10\n"
                         "2026-10-09,Cinema Nouveau,-0.20\n2026-11-01,Cinema Nouveau,-50\n")
    run("rules", "add", "--contains", "cinema", "entertainment")
    run_json("import", str(statement))
    october = run_json("report", "--month", "2026-10")
    assert october == [{"month": "2026-10", "category": "entertainment", "currency": "USD",
                        "direction": "out", "total": "100.30", "count": 2}]
    assert len(run_json("ls", "--month", "2026-11")) == 1
    assert len(run_json("ls", "--category", "entertainment")) == 3
    status, _, err = run("ls", "--month", "2026-13")
    assert status == 2 and "YYYY-MM" in err
    status, _, err = run("ls", "--category", "nope")
    assert status == 2 and "no category named 'nope'" in err


def test_bad_input_is_one_line_and_a_non_zero_exit(fake_ollama: FakeOllama, run: Run, tmp_path: Path) -> None:
    status, _, err = run("fix", "99", "food")
    assert status == 2 and "no expense #99" in err
    status, _, err = run("import", str(tmp_path / "missing.csv"))
    assert status == 2 and "cannot read" in err
    status, _, err = run("import", str(tmp_path / "x.csv"), "--columns", "date=1,amount")
    assert status == 2 and "--columns" in err
    status, _, err = run("add", "coffee with Ana")
    assert status == 2 and "no amount" in err


def test_a_dead_server_keeps_the_expense_and_says_what_to_do(run: Run, run_json, monkeypatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens there
    expense = run_json("add", "taxi 18 yesterday")
    assert expense["status"] == "pending" and expense["category"] is None
    assert "could not be asked" in expense["reason"] and "ingle expense fix" in expense["reason"]
    assert len(run_json("ls")) == 1


def test_a_schema_breaking_reply_leaves_the_line_pending(fake_ollama: FakeOllama, run_json) -> None:
    fake_ollama.script(Reply(text="I think this is food"))
    expense = run_json("add", "lunch 12")
    assert expense["status"] == "pending" and "could not be asked" in expense["reason"]


def test_ofx_statements(fake_ollama: FakeOllama, run_json, run: Run, tmp_path: Path) -> None:
    ofx = tmp_path / "bank.ofx"
    ofx.write_text(
        "OFXHEADER:100\nDATA:OFXSGML\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>BRL\n<BANKTRANLIST>\n"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20261101120000[-3:BRT]<TRNAMT>-32.90<FITID>1<NAME>RESTAURANTE SABOR\n"
        "</STMTTRN><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261105<TRNAMT>1500.00<FITID>2<MEMO>SALARIO\n"
        "</STMTTRN><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>garbage<TRNAMT>-1<FITID>3<NAME>X\n</STMTTRN>"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )
    fake_ollama.script(verdicts(("dining", 0.95), ("income", 0.95)))
    report = run_json("import", str(ofx))
    got = [(e["date"], e["amount"], e["currency"], e["direction"]) for e in report["added"]]
    assert got == [("2026-11-01", "32.90", "BRL", "out"), ("2026-11-05", "1500.00", "BRL", "in")]
    assert len(report["bad_rows"]) == 1


def test_ingle_expense_runs_as_a_program(fake_ollama: FakeOllama, tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "ingle.core.frontends.cli", "expense", "ls", "--json"],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_corrections_are_logged_and_come_back_as_few_shot_examples(
    fake_ollama: FakeOllama, run: Run, run_json, capsys
) -> None:
    from ingle.core.frontends.cli import main

    fake_ollama.script(verdicts(("shopping", 0.3)))
    first = run_json("add", "Livraria Cultura 89,90")
    run_json("fix", str(first["id"]), "education")
    assert main(["memory", "corrections", "--json"]) == 0
    logged = json.loads(capsys.readouterr().out)["corrections"]
    assert any(c["domain"] == "expenses" and c["corrected"] == "education"
               and c["output"] == "shopping" for c in logged)
    fake_ollama.script(verdicts(("education", 0.9)))
    run_json("add", "Livraria Cultura Shopping Iguatemi 45,00")
    prompt = chat_requests(fake_ollama)[-1]["messages"][-1]["content"]
    assert "Past corrections by the person" in prompt
    assert "Livraria Cultura 89,90 -> education" in prompt


def test_profile_options_decimal_comma_date_format_sign_and_currency(
    fake_ollama: FakeOllama, run: Run, run_json, tmp_path: Path
) -> None:
    card = tmp_path / "fatura.csv"
    card.write_text("Data,Lançamento,Valor\n05/11/2026,Livraria 12.345 itens,\"1.234\"\n"
                    "06/11/2026,Estorno Loja,\"-50,00\"\n")
    run("rules", "add", "--contains", "livraria", "education")
    run("rules", "add", "--contains", "loja", "shopping")
    report = run_json("import", str(card), "--decimal-comma", "--date-format", "%d/%m/%Y",
                      "--sign", "positive-out", "--currency", "brl", "--save-profile", "cartao")
    got = [(e["date"], e["amount"], e["currency"], e["direction"]) for e in report["added"]]
    assert got == [("2026-11-05", "1234", "BRL", "out"), ("2026-11-06", "50.00", "BRL", "in")]
    card.write_text("Data,Lançamento,Valor\n07/11/2026,Livraria Centro,\"2.000,5\"\n")
    again = run_json("import", str(card), "--profile", "cartao")
    assert [(e["amount"], e["currency"]) for e in again["added"]] == [("2000.5", "BRL")]


def test_a_batch_too_big_for_the_window_is_split_not_lost(
    fake_ollama: FakeOllama, run_json, ingle_home: Path, tmp_path: Path
) -> None:
    import re

    config = ingle_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[models."qwen3:8b"]\nnum_ctx = 2048\n')

    def answer(request) -> Reply:  # noqa: ANN001 - the fake's recorded request
        lines = re.findall(r"^\d+\. ", request.json["messages"][-1]["content"], re.M)
        return verdicts(*[("groceries", 0.95)] * len(lines))

    fake_ollama.respond_with(answer)
    statement = tmp_path / "big.csv"
    statement.write_text("date,description,amount\n" + "".join(
        f"2026-10-{1 + i % 28:02d},Mercado Bairro Loja Numero {i} Avenida Principal,-{i + 1}.00\n"
        for i in range(40)))
    report = run_json("import", str(statement))
    assert len(report["added"]) == 40
    assert all(e["category"] == "groceries" for e in report["added"])
    assert len(chat_requests(fake_ollama)) > 1  # halved until each request fits
