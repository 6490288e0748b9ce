"""The annual report for the City Council: one row per indicator in the programme's order."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from services.indicators import readmodel

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


def rows(readings: Sequence[readmodel.Reading], lang: str) -> list[list[str]]:
    """The report's rows (without the header) in the programme's order."""
    out = []
    for r in readings:
        ind = r.indicator
        out.append(
            [
                str(ind.objective),
                ind.id,
                ind.name(lang),
                ind.unit,
                plain(ind.base_value),
                str(ind.base_year or ""),
                ind.expected_kind or "",
                plain(ind.expected_value),
                plain(r.value),
                r.status,
            ]
        )
    return out


def csv_bytes(readings: Sequence[readmodel.Reading], year: int, lang: str) -> bytes:
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
