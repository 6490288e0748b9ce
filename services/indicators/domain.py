"""Indicator rules, free of I/O: status against the expected value, the Warsaw calendar year."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw_year(moment: datetime) -> int:
    """The calendar year in Kraków of an aware moment."""
    return moment.astimezone(WARSAW).year


def year_fraction_elapsed(year: int, now: datetime) -> float:
    """Share (0..1) of Warsaw year `year` gone at `now`; 1 for past years, 0 for future ones."""
    local = now.astimezone(WARSAW)
    if local.year > year:
        return 1.0
    if local.year < year:
        return 0.0
    start = datetime(year, 1, 1, tzinfo=WARSAW)
    end = datetime(year + 1, 1, 1, tzinfo=WARSAW)
    return (local - start) / (end - start)


def status(
    value: Decimal | None,
    expected: Decimal | None,
    kind: str | None,
    *,
    year: int,
    now: datetime | None = None,
    cumulative: bool = True,
) -> str:
    """met / on_track / behind / no_data for a yearly value against its expected value.

    A minimum or target is met when reached; before the year ends a cumulative count that has
    reached its pro-rata share of the expected value is on track. A maximum (e.g. overdue
    questions, median days) is met while the value stays at or below it.
    """
    if value is None:
        return "no_data"
    if expected is None or kind is None:
        return "no_data" if value is None else "on_track"
    now = now or datetime.now(UTC)
    if kind == "maximum":
        return "met" if value <= expected else "behind"
    if value >= expected:
        return "met"
    elapsed = year_fraction_elapsed(year, now)
    if elapsed >= 1.0 or not cumulative:
        return "behind" if elapsed >= 1.0 else ("on_track" if value >= expected else "behind")
    return "on_track" if value >= expected * Decimal(str(elapsed)) else "behind"


def today_warsaw() -> date:
    """Today's date in Kraków."""
    return datetime.now(WARSAW).date()
