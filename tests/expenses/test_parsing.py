"""Reading amounts, dates, merchants and free text as people and banks write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ingle.core.errors import UsageError
from ingle.core.expenses.amounts import AmountError, parse_amount
from ingle.core.expenses.dates import find_date, parse_date
from ingle.core.expenses.freetext import parse_free_text
from ingle.core.expenses.merchants import normalise_merchant

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("23.50", "23.50", None),
        ("32,90", "32.90", None),
        ("38 624.93", "38624.93", None),  # thousands with a space (the bank file does this)
        ("38\u00a0624,93", "38624.93", None),  # a no-break space and a decimal comma
        ("1.234,56", "1234.56", None),
        ("1,234.56", "1234.56", None),
        ("1,234", "1234", None),
        ("(45.00)", "-45.00", None),  # accountants' negative
        ("45.00-", "-45.00", None),
        ("-650.0", "-650.0", None),
        ("120.00 DR", "-120.00", None),
        ("R$ 1.234,56", "1234.56", "BRL"),
        ("$2.75", "2.75", "USD"),
        ("R 1 234,50", "1234.50", "ZAR"),
        ("€ 9,99", "9.99", "EUR"),
        ("  -90.00 ", "-90.00", None),
    ],
)
def test_amounts_are_decimal_with_their_currency(text: str, amount: str, currency: str | None) -> None:
    money = parse_amount(text)
    assert money.amount == Decimal(amount)
    assert isinstance(money.amount, Decimal)
    assert money.currency == currency


def test_a_profile_forces_the_decimal_convention() -> None:
    assert parse_amount("12.345", decimal_comma=True).amount == Decimal("12345")
    assert parse_amount("12.345", decimal_comma=False).amount == Decimal("12.345")
    assert parse_amount("1.234.567,8", decimal_comma=True).amount == Decimal("1234567.8")


@pytest.mark.parametrize("text", ["Bank", "", "n/a"])
def test_a_cell_without_an_amount_says_so(text: str) -> None:
    with pytest.raises(AmountError, match="no amount"):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-10-10 00:00:00", dt.date(2023, 10, 10)),
        ("2023-10-27T00:00:00", dt.date(2023, 10, 27)),
        ("05/11/2026", dt.date(2026, 11, 5)),
        ("10/27/2023", dt.date(2023, 10, 27)),  # cannot be day-first: read month-first
        ("05.11.2026", dt.date(2026, 11, 5)),
        ("3 Sep", dt.date(2026, 9, 3)),
        ("28 dez", dt.date(2025, 12, 28)),  # no year: the latest one not in the future
        ("20231010120000[-3:BRT]", dt.date(2023, 10, 10)),
    ],
)
def test_dates_are_absolute(text: str, expected: dt.date) -> None:
    assert parse_date(text, today=TODAY) == expected


def test_relative_words_in_both_languages() -> None:
    assert find_date("almoço 32,90 ontem", today=TODAY)[0] == dt.date(2026, 12, 2)
    assert find_date("taxi yesterday 12", today=TODAY)[0] == dt.date(2026, 12, 2)
    assert find_date("hoje", today=TODAY)[0] == TODAY
    assert find_date("uber 23.50 to airport", today=TODAY) is None  # 23.50 is money, not a date


@pytest.mark.parametrize(
    ("raw", "merchant"),
    [
        ("POS Purchase Engen Mitchell Park  * 07 Oct", "engen mitchell park"),
        ("SQ *BLUE BOTTLE COFFEE #123", "blue bottle coffee"),
        ("TST* Joe Pizza 0423", "joe pizza"),
        ("PP*SPOTIFY", "spotify"),
        ("POS PURCHASE (EFFEC ) DJS BILTONG (PTY) LTD NORKE CARD NO. ", "djs biltong pty ltd norke"),
        ("Woolworths Cape Town xxxx1234 2023-10-10", "woolworths cape town"),
        ("Rtc Express Pmt To Battlezone Party Lance 3 Sep", "battlezone party lance"),
        ("Fusion Interest Rebate", "fusion interest rebate"),
    ],
)
def test_merchants_lose_processor_prefixes_store_numbers_masks_and_dates(raw: str, merchant: str) -> None:
    assert normalise_merchant(raw) == merchant


def test_free_text_in_english_and_portuguese() -> None:
    uber = parse_free_text("uber 23.50 to airport", today=TODAY, currency="USD")
    assert (uber.amount, uber.currency, uber.date, uber.merchant) == (Decimal("23.50"), "USD", TODAY, "uber")
    lunch = parse_free_text("almoço 32,90 ontem", today=TODAY, currency="BRL")
    assert (lunch.amount, lunch.date, lunch.merchant) == (Decimal("32.90"), dt.date(2026, 12, 2), "almoço")
    pharmacy = parse_free_text("R$ 45 farmácia 02/11", today=TODAY, currency="USD")
    assert (pharmacy.currency, pharmacy.date) == ("BRL", dt.date(2026, 11, 2))


def test_free_text_without_an_amount_is_refused_with_what_to_type() -> None:
    with pytest.raises(UsageError, match="no amount") as raised:
        parse_free_text("coffee with Ana", today=TODAY, currency="USD")
    assert "lunch 12.50" in raised.value.hint
