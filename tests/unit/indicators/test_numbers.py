"""Figures on the pages are written each language's way; the CSV keeps plain digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.indicators import charts, labels

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("value", "pl", "en"),
    [
        (Decimal("9.4"), "9,4", "9.4"),
        (Decimal("3.96"), "4", "4"),  # one decimal at most, as fmt rounds
        (Decimal("3.94"), "3,9", "3.9"),
        (Decimal("4000"), f"4{NBSP}000", "4,000"),
        (Decimal("1234567.2"), f"1{NBSP}234{NBSP}567,2", "1,234,567.2"),
        (Decimal("-2.5"), "-2,5", "-2.5"),
        (Decimal("-0.04"), "0", "0"),  # rounded to nothing: no sign
        (0, "0", "0"),
        (Decimal("100.0"), "100", "100"),
    ],
)
def test_a_figure_in_polish_ukrainian_and_english(value: Decimal | int, pl: str, en: str) -> None:
    assert labels.number(value, "pl") == pl
    assert labels.number(value, "uk") == pl
    assert labels.number(value, "en") == en


def test_no_figure_is_a_dash_and_the_csv_keeps_plain_digits() -> None:
    assert labels.number(None, "pl") == "–"
    assert labels.fmt(Decimal("1234.5")) == "1234.5"


def test_a_reading_says_its_unit_with_the_figure() -> None:
    assert labels.shown("percent", Decimal("66.7"), {}, "pl") == "66,7%"
    assert labels.shown("percent", Decimal("66.7"), {}, "en") == "66.7%"
    assert labels.shown("days", Decimal("3.5"), {}, "pl").startswith("3,5 ")
    assert labels.shown("count", Decimal("12000"), {}, "uk") == f"12{NBSP}000"


@pytest.mark.parametrize(
    ("value", "pl", "uk", "en"),
    [
        (Decimal("1500000"), f"1,5{NBSP}mln", f"1,5{NBSP}млн", "1.5M"),
        (Decimal("12345"), f"12{NBSP}tys.", f"12{NBSP}тис.", "12K"),
        (Decimal("9.5"), "9,5", "9,5", "9.5"),
        (Decimal("4000"), f"4{NBSP}000", f"4{NBSP}000", "4,000"),
    ],
)
def test_a_chart_s_axis_says_its_top_value_short_in_each_language(
    value: Decimal, pl: str, uk: str, en: str
) -> None:
    assert [charts._short(value, lang) for lang in ("pl", "uk", "en")] == [pl, uk, en]


def test_a_chart_is_drawn_with_its_axis_in_the_reader_s_language() -> None:
    svg = charts.bar_chart("c", "t", "d", [(2025, Decimal("1500000"))], None, "pl")
    assert f">1,5{NBSP}mln</text>" in svg
