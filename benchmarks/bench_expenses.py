"""Expenses on real bank lines: the learning curve and the whole pipeline.

Data: ../shared/data/expenses/transactions.csv (451 labelled South African bank lines, 44
labels; never committed). Read from there; the benchmark says so and stops when it is absent.

1. Learning curve: lines in date order, the last 25% held out. After the user has corrected
   the first 25%, 50% and 75% of all lines (each fix through ExpensesService.fix, as
   `ingle expense fix` does), the share of the held-out lines classified correctly with no
   model call (rules learned from corrections, agreeing nearest confirmed lines).
2. The whole pipeline with scripted classifier replies (a loopback fake Ollama whose answer is
   the true label for 80% of lines and a wrong one for the rest, chosen by a hash, with a
   self-rated confidence spread over 0.5-0.95): weekly imports in date order, the user fixing
   what waits for them; accuracy and macro-F1 of the pipeline's own categories, coverage at
   the confidence threshold (confirmed without the user), accuracy of those, lines per second.
3. `--real-model URL --model NAME`: the same pipeline against a real Ollama (or an
   OpenAI-compatible server with `--kind openai`), e.g.
   `python benchmarks/bench_expenses.py --real-model http://127.0.0.1:11434 --model qwen3:8b`.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingle.core.expenses.importing import read_csv  # noqa: E402
from ingle.core.expenses.models import ParsedLine  # noqa: E402
from ingle.core.expenses.service import ExpensesService  # noqa: E402
from ingle.core.workbench import Workbench  # noqa: E402
from ingle.memory.expenses import ExpenseRow, add_category, insert_expenses, set_category  # noqa: E402
from tests.fakes.ollama_server import FakeOllama  # noqa: E402
from tests.fakes.script import Reply  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "expenses" / "transactions.csv"
WEEK_LINES = 30
TODAY = dt.date(2024, 1, 1)


def load(path: Path) -> list[tuple[ParsedLine, str]]:
    text = path.read_text(encoding="utf-8")
    labels = {n: row[2] for n, row in enumerate(csv.reader(text.splitlines()), start=1)}
    lines, bad, _ = read_csv(text, None, None, currency="ZAR", today=TODAY)
    print(f"{path}: {len(lines)} lines read, {len(bad)} bad rows skipped")
    labelled = [(line, labels[line.line].strip()) for line in lines if line.line is not None]
    return sorted(labelled, key=lambda p: (p[0].date, p[0].line or 0))


def open_workbench(home: Path, url: str, kind: str = "ollama", model: str | None = None) -> Workbench:
    (home / "config").mkdir(parents=True, exist_ok=True)
    chosen = f'model = "{model}"\n' if model else ""
    (home / "config" / "config.toml").write_text(
        f'[endpoints.local]\nkind = "{kind}"\nurl = "{url}"\n[expenses]\ncurrency = "ZAR"\n{chosen}')
    return Workbench.open(None, env={"INGLE_HOME": str(home), "HOME": str(home)})


def store_pending(service: ExpensesService, lines: list[ParsedLine]) -> list[int]:
    rows = [ExpenseRow(date=l.date.isoformat(), amount=l.amount, currency=l.currency,
                       direction=l.direction, text=l.text, merchant=l.merchant,
                       dedup_key=f"bench|{l.line}") for l in lines]
    ids, _ = insert_expenses(service.store, rows)
    return ids


async def learning_curve(data: list[tuple[ParsedLine, str]]) -> None:
    held_from = int(len(data) * 0.75)
    held = data[held_from:]
    print(f"\n1. learning curve: {len(held)} held-out lines (the last 25% by date), no model calls")
    print(f"   {'corrected':>10} {'decided':>8} {'correct':>8} {'of decided':>11} {'rules':>6}")
    for share in (0.25, 0.5, 0.75):
        with tempfile.TemporaryDirectory() as tmp:
            workbench = open_workbench(Path(tmp), "http://127.0.0.1:9")
            service = ExpensesService(workbench, today=lambda: TODAY)
            prefix = data[: int(len(data) * share)]
            ids = store_pending(service, [l for l, _ in prefix])
            for expense_id, (_, label) in zip(ids, prefix, strict=True):
                await service.fix(expense_id, label)
            results = await service.classify([l for l, _ in held], use_model=False)
            decided = [(r, label) for r, (_, label) in zip(results, held, strict=True) if r.category]
            correct = sum(1 for r, label in decided if r.category == label)
            print(f"   {share:>10.0%} {len(decided) / len(held):>8.1%} {correct / len(held):>8.1%} "
                  f"{(correct / len(decided)) if decided else 0:>11.1%} {len(service.rules()):>6}")
            await workbench.aclose()


def scripted_classifier(labels: dict[str, str], categories: list[str]):
    def respond(request) -> Reply:  # noqa: ANN001 - the fake's recorded request
        prompt = request.json["messages"][-1]["content"]
        known = [c.strip() for c in re.search(r"Categories: (.*)", prompt)[1].split(",")]
        items = []
        for number, text in re.findall(r"^(\d+)\. \S+ \S+ \S+ (.*)$", prompt, re.M):
            digest = int(hashlib.sha256(text.encode()).hexdigest(), 16)
            truth = labels.get(text, "other")
            wrong = [c for c in known if c != truth]
            category = truth if digest % 5 or not wrong else wrong[digest % len(wrong)]
            if category not in known:
                category = known[digest % len(known)]
            items.append({"line": int(number), "category": category, "merchant": "", "amount": "",
                          "date": "", "confidence": 0.5 + (digest % 46) / 100})
        return Reply(text=json.dumps({"items": items}))

    return respond


async def pipeline(data: list[tuple[ParsedLine, str]], url: str | None, model: str | None,
                   kind: str) -> None:
    labels = {line.text: label for line, label in data}
    categories = sorted(set(labels.values()))
    with tempfile.TemporaryDirectory() as tmp, FakeOllama() as fake:
        fake.respond_with(scripted_classifier(labels, categories))
        workbench = open_workbench(Path(tmp), url or fake.url, kind, model)
        service = ExpensesService(workbench, today=lambda: TODAY)
        for name in categories:  # the user's own categories: the data's labels
            add_category(service.store, name)
        predicted: list[tuple[str | None, str, bool]] = []
        started = time.perf_counter()
        for week in range(0, len(data), WEEK_LINES):
            batch = data[week: week + WEEK_LINES]
            results = await service.classify([l for l, _ in batch])
            ids = store_pending(service, [l for l, _ in batch])
            threshold = service.settings.confidence_threshold
            for expense_id, result, (_, label) in zip(ids, results, batch, strict=True):
                confirmed = result.category is not None and result.confidence >= threshold
                predicted.append((result.category, label, confirmed))
                # Confirmed lines stay as classified; the user answers the rest.
                if confirmed:
                    set_category(service.store, expense_id, result.category, status="confirmed",
                                 confidence=result.confidence, path=result.path, reason=result.reason)
                else:
                    await service.fix(expense_id, label)
        elapsed = time.perf_counter() - started
        calls = len(fake.requests_to("/api/chat"))
        await workbench.aclose()
    accuracy = sum(p == t for p, t, _ in predicted) / len(predicted)
    confirmed = [(p, t) for p, t, c in predicted if c]
    print(f"\n2. whole pipeline ({'real model ' + str(model) if url else 'scripted classifier'}), "
          f"weekly batches of {WEEK_LINES} lines in date order")
    print(f"   accuracy {accuracy:.1%}, macro-F1 {macro_f1(predicted):.3f}")
    print(f"   coverage at the threshold: {len(confirmed) / len(predicted):.1%} confirmed without "
          f"the user, {sum(p == t for p, t in confirmed) / max(len(confirmed), 1):.1%} of them right")
    print(f"   {len(predicted)} lines in {elapsed:.2f} s: {len(predicted) / elapsed:.0f} lines/s; "
          f"{calls} classifier requests")


def macro_f1(predicted: list[tuple[str | None, str, bool]]) -> float:
    labels = {t for _, t, _ in predicted}
    tp, fp, fn = Counter(), Counter(), Counter()
    for p, t, _ in predicted:
        if p == t:
            tp[t] += 1
        else:
            fn[t] += 1
            if p is not None:
                fp[p] += 1
    scores = []
    for label in labels:
        precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--real-model", metavar="URL", help="a real model server instead of the script")
    parser.add_argument("--model", help="the model name on that server")
    parser.add_argument("--kind", choices=("ollama", "openai"), default="ollama")
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"no data at {args.data}: this benchmark reads ../shared/data/expenses/transactions.csv")
        return 1
    os.environ.pop("OLLAMA_HOST", None)
    data = load(args.data)
    asyncio.run(learning_curve(data))
    asyncio.run(pipeline(data, args.real_model, args.model, args.kind))
    return 0


if __name__ == "__main__":
    sys.exit(main())
