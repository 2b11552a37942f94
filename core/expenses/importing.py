"""Bank files in: CSV through an import profile (columns from the header or --columns,
date format, decimal comma, sign convention, currency) and OFX statements. A bad row is
reported with its line number and skipped; the others are read."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from pathlib import Path

from ingle.core.errors import UsageError
from ingle.core.expenses.amounts import AmountError, parse_amount
from ingle.core.expenses.dates import DateError, parse_date
from ingle.core.expenses.merchants import normalise_merchant
from ingle.core.expenses.models import BadRow, ParsedLine
from ingle.memory.expenses import ProfileRow

# Header names that say what a column holds (lower case, English and Portuguese).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "date": ("date", "data", "transaction date", "posted", "posting date", "booking date",
             "data da transação", "data lançamento", "dt"),
    "amount": ("amount", "valor", "value", "amt", "transaction amount", "quantia", "montante"),
    "text": ("description", "descrição", "descricao", "memo", "details", "narrative", "payee",
             "merchant", "histórico", "historico", "lançamento", "lancamento", "estabelecimento",
             "name", "transaction", "text"),
    "currency": ("currency", "moeda", "ccy"),
}


def parse_columns_option(value: str) -> dict[str, str]:
    """--columns date=COL,amount=COL,text=COL (a header name or a 1-based column number)."""
    columns: dict[str, str] = {}
    for part in value.split(","):
        key, sep, col = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in HEADER_NAMES or not col.strip():
            raise UsageError(f"--columns: cannot read {part!r}",
                             "write it as date=COL,amount=COL,text=COL (a header name or column number)")
        columns[key] = col.strip()
    missing = {"date", "amount", "text"} - set(columns)
    if missing:
        raise UsageError(f"--columns is missing {', '.join(sorted(missing))}",
                         "name all three: date=COL,amount=COL,text=COL")
    return columns


def detect_columns(header: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    lowered = [h.strip().lower() for h in header]
    for key, names in HEADER_NAMES.items():
        for name in names:
            if name in lowered:
                found[key] = header[lowered.index(name)]
                break
    return found


def read_file(path: Path, profile: ProfileRow | None, columns: dict[str, str] | None, *,
              currency: str, today: dt.date) -> tuple[list[ParsedLine], list[BadRow], dict[str, str]]:
    """(lines, bad rows, the columns used). Raises UsageError when the file cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})", "check the path") from exc
    text = _decode(raw)
    if path.suffix.lower() in (".ofx", ".qfx") or "<OFX>" in text[:2000].upper():
        lines, bad = read_ofx(text, currency=(profile.currency if profile else None) or currency)
        return lines, bad, {}
    return read_csv(text, profile, columns, currency=currency, today=today)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")


def read_csv(text: str, profile: ProfileRow | None, columns: dict[str, str] | None, *,
             currency: str, today: dt.date) -> tuple[list[ParsedLine], list[BadRow], dict[str, str]]:
    delimiter = profile.delimiter if profile and profile.delimiter else _sniff(text)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise UsageError("the file is empty", "export the statement again")
    header = rows[0]
    wanted = columns or (profile.columns if profile else None) or detect_columns(header)
    missing = {"date", "amount", "text"} - set(wanted)
    if missing:
        raise UsageError(
            f"cannot tell which column holds the {', '.join(sorted(missing))} (header: {', '.join(header)})",
            "name them: --columns date=COL,amount=COL,text=COL",
        )
    index = {key: _column_index(header, col) for key, col in wanted.items()}
    has_header = not all(col.isdigit() for col in wanted.values()) or detect_columns(header)
    start = 1 if has_header else 0
    sign = profile.sign if profile else "negative-out"
    decimal_comma = profile.decimal_comma if profile else None
    date_format = profile.date_format if profile else None
    default_currency = (profile.currency if profile else None) or currency
    lines: list[ParsedLine] = []
    bad: list[BadRow] = []
    for number, row in enumerate(rows[start:], start=start + 1):
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {key: row[i].strip() for key, i in index.items()}
        except IndexError:
            bad.append(BadRow(line=number, reason=f"{len(row)} cells, expected at least {max(index.values()) + 1}"))
            continue
        try:
            money = parse_amount(cells["amount"], decimal_comma=decimal_comma)
            date = parse_date(cells["date"], today=today, fmt=date_format)
        except (AmountError, DateError) as exc:
            bad.append(BadRow(line=number, reason=str(exc)))
            continue
        if not cells["text"]:
            bad.append(BadRow(line=number, reason="no description"))
            continue
        out = money.amount < 0 if sign == "negative-out" else money.amount > 0
        lines.append(ParsedLine(
            date=date, amount=abs(money.amount),
            currency=cells.get("currency") or money.currency or default_currency,
            direction="out" if out else "in", text=cells["text"],
            merchant=normalise_merchant(cells["text"]), line=number,
        ))
    return lines, bad, dict(wanted)


def _column_index(header: list[str], column: str) -> int:
    if column.isdigit():
        return int(column) - 1
    lowered = [h.strip().lower() for h in header]
    if column.strip().lower() not in lowered:
        raise UsageError(f"no column named {column!r} (header: {', '.join(header)})",
                         "use a header name or a 1-based column number")
    return lowered.index(column.strip().lower())


def _sniff(text: str) -> str:
    sample = text[:4096]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


_TRANSACTION = re.compile(r"<STMTTRN>(.*?)(?:</STMTTRN>|(?=<STMTTRN>)|(?=</BANKTRANLIST>))", re.S | re.I)


def read_ofx(text: str, *, currency: str) -> tuple[list[ParsedLine], list[BadRow]]:
    """OFX 1 (SGML, tags left open) and 2 (XML) statements: one line per STMTTRN."""
    ofx_currency = _tag(text, "CURDEF") or currency
    lines: list[ParsedLine] = []
    bad: list[BadRow] = []
    for m in _TRANSACTION.finditer(text):
        number = text.count("\n", 0, m.start()) + 1
        block = m.group(1)
        amount_text, posted = _tag(block, "TRNAMT"), _tag(block, "DTPOSTED")
        words = " ".join(filter(None, (_tag(block, "NAME"), _tag(block, "MEMO"))))
        try:
            if not amount_text or not posted:
                raise ValueError("no TRNAMT or DTPOSTED")
            money = parse_amount(amount_text, decimal_comma="," in amount_text and "." not in amount_text)
            date = parse_date(posted[:8], today=dt.date.today(), fmt="%Y%m%d")
        except (ValueError, AmountError, DateError) as exc:
            bad.append(BadRow(line=number, reason=str(exc)))
            continue
        lines.append(ParsedLine(
            date=date, amount=abs(money.amount), currency=ofx_currency,
            direction="out" if money.amount < 0 else "in", text=words or "(no description)",
            merchant=normalise_merchant(words), line=number,
        ))
    return lines, bad


def _tag(block: str, name: str) -> str | None:
    m = re.search(rf"<{name}>\s*([^<\r\n]*)", block, re.I)
    return m.group(1).strip() if m else None


def dedup_keys(lines: list[ParsedLine]) -> list[str]:
    """A key per line from date, amount, direction and normalised text; the n-th identical
    line of a file gets its own key, so two real coffees stay two and a re-import adds none."""
    from ingle.core.expenses.merchants import normalised_text

    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        base = f"{line.date.isoformat()}|{line.amount}|{line.direction}|{normalised_text(line.text)}"
        seen[base] += 1
        keys.append(f"{base}|{seen[base]}")
    return keys
