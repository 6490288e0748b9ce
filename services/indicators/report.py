"""The annual report for the City Council: one row per indicator in the programme's order."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from services.indicators import labels, queries

HEADERS = {
    "pl": [
        "Cel szczegółowy",
        "Identyfikator",
        "Wskaźnik",
        "Jednostka",
        "Wartość bazowa",
        "Rok bazowy",
        "Rodzaj wartości oczekiwanej",
        "Wartość oczekiwana",
        "Wartość za rok",
        "Status",
    ],
    "en": [
        "Specific objective",
        "Id",
        "Indicator",
        "Unit",
        "Base value",
        "Base year",
        "Expected kind",
        "Expected value",
        "Value for the year",
        "Status",
    ],
    "uk": [
        "Конкретна мета",
        "Ідентифікатор",
        "Показник",
        "Одиниця",
        "Базове значення",
        "Базовий рік",
        "Вид очікуваного значення",
        "Очікуване значення",
        "Значення за рік",
        "Статус",
    ],
}


def plain(value: Decimal | None) -> str:
    """A number as the report writes it: no exponent, no trailing zeros; empty when unknown."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def rows(readings: Sequence[queries.Reading], lang: str) -> list[list[str]]:
    """The report's rows (without the header) in the programme's order.

    Units, kinds of expected value and statuses are words in `lang`, never codes (the id column
    stays the indicator's stable id). A money indicator's value is written per currency
    ("12000.00 PLN · 5300.00 EUR"), its expected value in PLN; other numbers as they are.
    """

    def say(msgid: str) -> str:
        return labels.catalogs.gettext(lang, msgid)

    out = []
    for r in readings:
        ind = r.indicator
        money = ind.unit == queries.MONEY
        out.append(
            [
                str(ind.objective),
                ind.id,
                ind.name(lang),
                say(labels.UNITS[ind.unit]),
                plain(ind.base_value),
                str(ind.base_year or ""),
                say(labels.EXPECTED_KINDS[ind.expected_kind]) if ind.expected_kind else "",
                labels.money_plain({queries.BASE_CURRENCY: int(ind.expected_value)})
                if money and ind.expected_value is not None
                else plain(ind.expected_value),
                labels.money_plain(r.amounts) if money else plain(r.value),
                say(labels.STATUSES[r.status]),
            ]
        )
    return out


def csv_bytes(readings: Sequence[queries.Reading], year: int, lang: str) -> bytes:
    """The report as CSV (UTF-8 with BOM, so spreadsheets read Polish letters right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            *HEADERS.get(lang, HEADERS["en"])[:8],
            f"{HEADERS.get(lang, HEADERS['en'])[8]} {year}",
            HEADERS.get(lang, HEADERS["en"])[9],
        ]
    )
    writer.writerows(rows(readings, lang))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
