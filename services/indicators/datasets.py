"""The indicators' open data (`shared/open_data.py`): the programme table of every year with
data, read from the same published readings as the public pages (small cells withheld)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg

from services.indicators import labels, public, queries
from shared.open_data import Column, Dataset
from shared.web.forms import N_


async def indicator_rows(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """One row per indicator and year with data (the year in progress too), oldest year first;
    a money indicator has one row per currency (PLN always), the others one row without a
    currency. A withheld row has no value and the status `withheld`."""
    years = sorted(await public.years_with_data(conn))
    by_year = await queries.readings(conn, years)
    out: list[dict[str, Any]] = []
    for year in years:
        for item in public.publish(by_year[year]):
            ind = item.indicator
            base = {
                "indicator_id": ind.id,
                "objective": ind.objective,
                "name_pl": ind.names.get("pl"),
                "name_en": ind.names.get("en"),
                "name_uk": ind.names.get("uk"),
                "unit": ind.unit,
                "base_value": ind.base_value,
                "base_year": ind.base_year,
                "expected_kind": ind.expected_kind,
                "expected_value": ind.expected_value,
                "year": year,
                "status": item.status,
            }
            if ind.unit != queries.MONEY:
                out.append({**base, "currency": None, "value": item.value})
                continue
            amounts = item.amounts or ({} if item.withheld else {queries.BASE_CURRENCY: 0})
            if item.withheld:
                out.append({**base, "currency": queries.BASE_CURRENCY, "value": None})
            for currency, minor in amounts.items():
                out.append({**base, "currency": currency, "value": Decimal(minor)})
    return out


INDICATORS = Dataset(
    id="indicators",
    title=N_("Programme indicators by year"),
    description=N_(
        "The Open Kraków programme's domain indicators for every year with data: base value, "
        "expected value, the value for the year and its status, as on the public indicators "
        "page and in the annual report to the City Council. A value that would count fewer "
        "than 5 people is withheld (empty value, status “withheld”). Money is in grosze (or "
        "another currency's minor units), one row per currency."
    ),
    catalogs=labels.catalogs,
    columns=(
        Column("indicator_id", N_("Indicator's stable id"), "string"),
        Column("objective", N_("Specific objective of the programme (1–6)"), "integer"),
        Column("name_pl", N_("Indicator's name in Polish"), "string"),
        Column("name_en", N_("Indicator's name in English"), "string"),
        Column("name_uk", N_("Indicator's name in Ukrainian"), "string"),
        Column(
            "unit",
            N_("Unit: count, percent, days or minor_units (money, per currency)"),
            "string",
        ),
        Column("base_value", N_("Base value"), "decimal"),
        Column("base_year", N_("Year of the base value"), "integer"),
        Column(
            "expected_kind",
            N_("Kind of expected value: minimum, maximum or target (empty: observed only)"),
            "string",
        ),
        Column("expected_value", N_("Expected value (money: grosze)"), "decimal"),
        Column("year", N_("Year (Europe/Warsaw calendar year)"), "integer"),
        Column("currency", N_("Currency of a money value (ISO 4217), else empty"), "string"),
        Column(
            "value",
            N_("Value for the year (money: minor units); empty when none or withheld"),
            "decimal",
        ),
        Column(
            "status",
            N_("Status: met, on_track, behind, no_data or withheld (fewer than 5 people)"),
            "string",
        ),
    ),
    rows=indicator_rows,
    keywords=("indicators", "monitoring", "Open Kraków", "City Council report"),
    theme="GOVE",
)

datasets = (INDICATORS,)
