"""Expenses out: CSV always; .xlsx (openpyxl) with every expense and a monthly summary sheet."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from ingle.memory.expenses import ExpenseRow

COLUMNS = ["id", "date", "amount", "currency", "direction", "category", "merchant", "text",
           "status", "confidence", "path"]


def _cells(row: ExpenseRow) -> list[object]:
    return [row.id, row.date, str(row.amount), row.currency, row.direction, row.category or "",
            row.merchant, row.text, row.status, row.confidence, row.path]


def write_csv(rows: list[ExpenseRow], output: Path) -> None:
    tmp = output.with_name(f".{output.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(_cells(r) for r in rows)
    tmp.replace(output)  # never a half-written file where the user looks


def write_xlsx(rows: list[ExpenseRow], output: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Expenses"
    sheet.append(COLUMNS)
    for row in rows:
        cells = _cells(row)
        cells[2] = row.amount  # a real number in the spreadsheet, exact from Decimal
        sheet.append(cells)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in range(2, len(rows) + 2):
        sheet.cell(line, 3).number_format = "#,##0.00"
    summary = book.create_sheet("Monthly summary")
    totals: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        if row.direction == "out":
            totals[(row.date[:7], row.category or "(uncategorised)", row.currency)] += row.amount
    summary.append(["month", "category", "currency", "total"])
    for cell in summary[1]:
        cell.font = Font(bold=True)
    for (month, category, currency), total in sorted(totals.items()):
        summary.append([month, category, currency, total])
        summary.cell(summary.max_row, 4).number_format = "#,##0.00"
    tmp = output.with_name(f".{output.name}.tmp")
    book.save(tmp)
    tmp.replace(output)
