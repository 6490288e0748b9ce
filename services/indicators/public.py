"""The programme table as the public reads it: no sign-in, read only, small cells withheld.

The same read model as the coordinator's dashboard (`queries.readings`, `domain.assess`), with
one rule added for the public (pages, the annual report, the CSV and the open data alike): a
row is **withheld** when any count it shows, or lets one work out, is a count of 1 to 4
residents' questions or nominations (`domain.SMALL_CELL`). Its value and status are then not
published; it says "fewer than 5" and why. Zeros are shown. What counts:

- `bench.questions_received`, `bench.questions_answered`, `bench.questions_overdue`,
  `ambassadors.nominations_submitted`: the count itself;
- `bench.answer_rate`: every count its reason names (received, answered, overdue, not yet due);
- `bench.median_days_to_answer`: the answered questions it is the median of;
- `participation.foreign_participants_share`: the people who declared a group, those of them
  declaring a minority or migration background and those declaring none (self-declared
  background is the most sensitive thing the platform counts).

Other indicators count meetings, organisations' applications, money or figures the city reports
by hand, none of them about residents one by one.

Everything a request needs is read in one read-only snapshot on one connection (`year_view`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from services.indicators import domain, queries

WITHHELD = "withheld"
PUBLIC_STATUSES = ("met", "on_track", "behind", "no_data", WITHHELD)

# Counts of residents' own questions or nominations (each of them a person's).
RESIDENT_COUNTS = frozenset(
    {
        "bench.questions_received",
        "bench.questions_answered",
        "bench.questions_overdue",
        "ambassadors.nominations_submitted",
    }
)


@dataclass(frozen=True)
class PublicReading:
    """A reading as published: `withheld` when a small cell could be read from it."""

    reading: queries.Reading
    withheld: bool

    @property
    def indicator(self) -> queries.Indicator:
        return self.reading.indicator

    @property
    def status(self) -> str:
        return WITHHELD if self.withheld else self.reading.status

    @property
    def value(self) -> Decimal | None:
        return None if self.withheld else self.reading.value

    @property
    def amounts(self) -> dict[str, int]:
        return {} if self.withheld else self.reading.amounts


def small(n: int | None) -> bool:
    """A count of 1..4 people: never published."""
    return n is not None and 0 < n < domain.SMALL_CELL


def _count(value: Decimal | None) -> int | None:
    return None if value is None else int(value)


def _groups(readings: dict[str, queries.Reading]) -> dict[str, int]:
    """Self-declared groups over Bench questions and nominations (as the share counts them)."""
    groups: dict[str, int] = {}
    for source in queries.BREAKDOWN_OF:
        reading = readings.get(source)
        for group, n in (reading.breakdown.get("group", {}) if reading else {}).items():
            groups[group] = groups.get(group, 0) + n
    return groups


def people_counts(reading: queries.Reading, year: dict[str, queries.Reading]) -> list[int | None]:
    """The counts of residents `reading` shows or lets one work out (see the module's rule)."""
    ind = reading.indicator.id
    if ind in RESIDENT_COUNTS:
        return [_count(reading.value)]
    if ind == "bench.answer_rate":
        found = reading.assessment.values if reading.assessment else {}
        return [int(v) for k, v in found.items() if k != "year" and isinstance(v, int)]
    if ind == "bench.median_days_to_answer":
        answered = year.get("bench.questions_answered")
        return [_count(answered.value) if answered else None]
    if reading.counts:  # a Bench share of issue 16: its parts (verdicts, on time / late)
        return list(reading.counts.values())
    if ind == "participation.foreign_participants_share":
        groups = _groups(year)
        declared = sum(n for g, n in groups.items() if g != "undisclosed")
        background = sum(groups.get(g, 0) for g in domain.BACKGROUND_GROUPS)
        return [declared, background, declared - background]
    return []


def publish(readings: list[queries.Reading]) -> list[PublicReading]:
    """One year's readings as published, in the programme's order."""
    by_id = {r.indicator.id: r for r in readings}
    return [
        PublicReading(r, withheld=any(small(n) for n in people_counts(r, by_id))) for r in readings
    ]


@dataclass(frozen=True)
class YearView:
    year: int
    years: list[int]
    readings: list[PublicReading]


async def years_with_data(conn: asyncpg.Connection) -> list[int]:
    """Years with a counted event or a value reported by hand, and the year in progress; newest
    first."""
    rows = await conn.fetch(
        "select distinct year from indicator_values where value <> 0 "
        "union select distinct year from manual_reports"
    )
    return sorted({r["year"] for r in rows} | {domain.current_year()}, reverse=True)


async def year_view(pool: asyncpg.Pool, year: int | None) -> YearView | None:
    """The years with data and one year's published readings (the year in progress when `year`
    is None), in one read-only snapshot; None when `year` has no data."""
    async with (
        pool.acquire() as conn,
        conn.transaction(readonly=True, isolation="repeatable_read"),
    ):
        years = await years_with_data(conn)
        chosen = domain.current_year() if year is None else year
        if chosen not in years:
            return None
        readings = await queries.year_readings(conn, chosen)
    return YearView(chosen, years, publish(readings))


def objectives(view: YearView, lang: str) -> list[dict[str, Any]]:
    """The year's readings grouped by specific objective, 1 to 6."""
    out = []
    for number in range(1, 7):
        members = [r for r in view.readings if r.indicator.objective == number]
        if members:
            names = members[0].indicator.objective_names
            out.append(
                {"number": number, "name": names.get(lang) or names["en"], "readings": members}
            )
    return out
