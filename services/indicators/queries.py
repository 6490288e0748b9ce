"""The indicators as the coordinator sees them: values per year computed from the counters,
the history of values reported by hand, breakdowns (the read model of the API, the pages, the
CSV and the annual report).

Every read is a handful of indexed queries over precomputed yearly counters, whatever the size of
the event stream: O(indicators + breakdown cells + distinct answer times) per year.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec

from services.indicators import domain, store, tasks_share
from shared.refusals import not_found

BREAKDOWN_KINDS = ("group", "language", "channel")
BREAKDOWN_OF = (
    "bench.questions_received",
    "ambassadors.nominations_submitted",
    "security.incidents_reported",
    "bench.answered_on_time_share",
)
# Indicators broken down by other kinds than BREAKDOWN_KINDS.
BREAKDOWN_KINDS_OF = {
    "security.incidents_reported": ("category", "district"),
    # Answered questions per department of the registry (with each one's share on time).
    "bench.answered_on_time_share": ("department",),
}
ON_TIME = "bench.answered_on_time_share"
MONEY = "minor_units"
"""The unit of money indicators: kept per currency (`currency:XXX` dimensions), never summed across."""
BASE_CURRENCY = "PLN"


@dataclass(frozen=True)
class Indicator:
    """One registry entry."""

    id: str
    position: int
    objective: int
    objective_names: dict[str, str]
    names: dict[str, str]
    unit: str
    source: str
    base_value: Decimal | None
    base_year: int | None
    expected_value: Decimal | None
    expected_kind: str | None
    cumulative: bool

    def name(self, lang: str) -> str:
        """The name in `lang` (Polish, English or Ukrainian), English otherwise."""
        return self.names.get(lang) or self.names["en"]


@dataclass(frozen=True)
class Reading:
    """An indicator's value for one year, with its status."""

    indicator: Indicator
    year: int
    value: Decimal | None
    status: str
    breakdown: dict[str, dict[str, int]] = field(default_factory=dict)
    amounts: dict[str, int] = field(default_factory=dict)
    """A money indicator's value per currency in minor units (PLN first, then A-Z), every
    currency with an amount; `value` is the PLN part (what an expected value in PLN compares to)."""
    assessment: domain.Assessment | None = None
    """Why the status is what it is (domain.assess): a message and its figures."""
    cell_names: dict[str, dict[str, str]] = field(default_factory=dict)
    """Names of breakdown cells that are no codes (departments: pl, en, uk as saved)."""
    cell_shares: dict[str, Decimal | None] = field(default_factory=dict)
    """A share per breakdown cell (departments: answered on time / answered)."""
    counts: dict[str, int] = field(default_factory=dict)
    """The counts of residents a share is made of (what the public side checks, public.py)."""


class ValueReport(msgspec.Struct, kw_only=True):
    """One value reported by hand (the API's answer to a report and its history's items)."""

    event_id: str
    indicator_id: str
    year: int
    value: float
    note: str
    reported_by: str
    reported_at: datetime


_registry: list[Indicator] | None = None


async def registry(conn: asyncpg.Connection) -> list[Indicator]:
    """The registry (loaded by migration; read once per process)."""
    global _registry
    if _registry is None:
        _registry = [
            Indicator(
                id=r["id"],
                position=r["position"],
                objective=r["objective"],
                objective_names={
                    "pl": r["objective_pl"],
                    "en": r["objective_en"],
                    "uk": r["objective_uk"],
                },
                names={"pl": r["name_pl"], "en": r["name_en"], "uk": r["name_uk"]},
                unit=r["unit"],
                source=r["source"],
                base_value=r["base_value"],
                base_year=r["base_year"],
                expected_value=r["expected_value"],
                expected_kind=r["expected_kind"],
                cumulative=r["cumulative"],
            )
            for r in await store.registry(conn)
        ]
    return _registry


async def indicator(conn: asyncpg.Connection, indicator_id: str) -> Indicator:
    """The registry entry of `indicator_id`; refused (404) when there is none."""
    found = next((i for i in await registry(conn) if i.id == indicator_id), None)
    if found is None:
        raise not_found("indicators.not_found", indicator_id=indicator_id)
    return found


async def history(
    conn: asyncpg.Connection, indicator_id: str, year: int | None = None
) -> list[ValueReport]:
    """Every value reported by hand for the indicator (of one year, or all), newest first."""
    await indicator(conn, indicator_id)
    return [
        ValueReport(
            event_id=str(r["event_id"]),
            indicator_id=r["indicator_id"],
            year=r["year"],
            value=float(r["value"]),
            note=r["note"],
            reported_by=r["reported_by"],
            reported_at=r["reported_at"],
        )
        for r in await store.manual_history(conn, indicator_id, year)
    ]


async def year_readings(conn: asyncpg.Connection, year: int) -> list[Reading]:
    """Every indicator's reading for `year`, in the programme's order."""
    return (await readings(conn, [year]))[year]


async def breakdown(
    conn: asyncpg.Connection, indicator_id: str, year: int
) -> dict[str, list[dict[str, Any]]]:
    """The indicator's breakdowns for `year`, small cells hidden; refused (404) for an unknown
    indicator or one without a breakdown."""
    await indicator(conn, indicator_id)
    if indicator_id not in BREAKDOWN_OF:
        raise not_found(
            "indicators.no_breakdown", indicator_id=indicator_id, these=", ".join(BREAKDOWN_OF)
        )
    reading = next(r for r in await year_readings(conn, year) if r.indicator.id == indicator_id)
    return safe_breakdown(reading)


def _card(
    reading: Reading, by_year: dict[int, list[Reading]], history: list[Any], year: int
) -> dict[str, Any]:
    """What one indicator's card shows: its reading, chart series over the past years (money:
    one per currency), history of values reported by hand, breakdowns."""
    ind = reading.indicator
    past = {
        y: next(r for r in by_year[y] if r.indicator.id == ind.id) for y in chart_years(ind, year)
    }
    series = [(y, r.value) for y, r in past.items()]
    currencies: list[str] = []
    if ind.unit == MONEY:
        found = {c for r in past.values() for c in r.amounts} | {BASE_CURRENCY}
        currencies = sorted(found, key=lambda c: (c != BASE_CURRENCY, c))
    return {
        "reading": reading,
        "series": series,
        # money: one series per currency, in main units (zł, euro), every year shown
        "money_series": {
            c: [(y, Decimal(r.amounts.get(c, 0)) / 100) for y, r in past.items()]
            for c in currencies
        },
        "amounts_by_year": [(y, r.amounts) for y, r in past.items()],
        "history": history[:5],
        "breakdown": safe_breakdown(reading),
    }


async def dashboard(conn: asyncpg.Connection, year: int, lang: str) -> dict[str, Any]:
    """Everything the dashboard shows for `year`: cards by objective (readings, chart series
    of the past years, history of values reported by hand, breakdowns), the Bench pipeline."""
    inds = await registry(conn)
    years = sorted({y for i in inds for y in chart_years(i, year)} | {year})
    by_year = await readings(conn, years)
    history = {
        i.id: await store.manual_history(conn, i.id, year) for i in inds if i.source == "manual"
    }
    current = by_year[year]
    cards = [_card(r, by_year, history.get(r.indicator.id, []), year) for r in current]
    objectives = []
    for number in range(1, 7):
        members = [c for c in cards if c["reading"].indicator.objective == number]
        if members:
            objectives.append(
                {
                    "number": number,
                    "name": members[0]["reading"].indicator.objective_names.get(lang)
                    or members[0]["reading"].indicator.objective_names["en"],
                    "cards": members,
                }
            )
    return {
        "year": year,
        "objectives": objectives,
        "readings": current,
        "pipeline": pipeline(current),
        "years": list(range(2023, max(domain.current_year(), year) + 2)),
    }


def pipeline(current: list[Reading]) -> dict[str, Decimal | None]:
    """The Bench question pipeline of a year's readings: received, answered, overdue now."""
    value = {r.indicator.id: r.value for r in current}
    return {k: value[f"bench.questions_{k}"] for k in ("received", "answered", "overdue")}


async def card(conn: asyncpg.Connection, year: int, indicator_id: str) -> dict[str, Any]:
    """One indicator's card for `year` alone: its readings over the chart's years and, for a
    value reported by hand, its history — not the whole dashboard."""
    await indicator(conn, indicator_id)
    return (await cards(conn, year, [indicator_id]))[0]


async def cards(
    conn: asyncpg.Connection, year: int, indicator_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The cards of the changed indicators for `year` (what the live page's message carries),
    from one read of the years their charts show, plus the history of each one reported by
    hand: never the whole dashboard. Unknown ids are left out."""
    wanted = set(indicator_ids)
    inds = [i for i in await registry(conn) if i.id in wanted]
    if not inds:
        return []
    years = sorted({y for i in inds for y in chart_years(i, year)} | {year})
    by_year = await readings(conn, years)
    out = []
    for ind in inds:
        reading = next(r for r in by_year[year] if r.indicator.id == ind.id)
        history = await store.manual_history(conn, ind.id, year) if ind.source == "manual" else []
        out.append(_card(reading, by_year, history, year))
    return out


def _value(
    ind: Indicator,
    year: int,
    totals: dict[tuple[str, int, str], int],
    hist: dict[int, int],
    manual: dict[tuple[str, int], Decimal],
    overdue: dict[int, int],
) -> Decimal | None:
    if ind.source == "manual":
        return manual.get((ind.id, year))

    def total(indicator_id: str, dimension: str = "") -> int:
        return totals.get((indicator_id, year, dimension), 0)

    match ind.id:
        case "bench.answer_rate":
            return domain.answer_rate(
                total("bench.questions_received"), total("bench.questions_answered")
            )
        case "bench.median_days_to_answer":
            return domain.median_days(hist)
        case "bench.answers_helpful_share":
            # A verdict is one asker's opinion: no share of fewer than 5 of them.
            given = total(ind.id, "verdict")
            if given < domain.SMALL_CELL:
                return None
            return domain.answer_rate(given, total(ind.id, "helpful"))
        case "bench.median_days_to_helpful_answer":
            if total("bench.answers_helpful_share", "verdict") < domain.SMALL_CELL:
                return None
            return domain.median_days(_histogram(totals, ind.id, year, "days:"))
        case "bench.answered_on_time_share":
            return domain.answer_rate(total("bench.questions_answered"), total(ind.id, "on_time"))
        case "bench.questions_overdue":
            return Decimal(overdue.get(year, 0))
        case "security.incidents_referred_share":
            return domain.answer_rate(
                total("security.incidents_reported"), total(ind.id, "on_time")
            )
        case "grants.amount_awarded":
            return Decimal(total(ind.id, f"currency:{BASE_CURRENCY}"))
        case "participation.foreign_participants_share":
            groups: dict[str, int] = defaultdict(int)
            for source in BREAKDOWN_OF:
                for (i, y, dim), n in totals.items():
                    if i == source and y == year and dim.startswith("group:"):
                        groups[dim.removeprefix("group:")] += n
            return domain.background_share(groups)
        case _:
            return Decimal(total(ind.id))


async def readings(
    conn: asyncpg.Connection, years: list[int], now: datetime | None = None
) -> dict[int, list[Reading]]:
    """Every indicator's reading for each of `years`, in the programme's order."""
    now = now or datetime.now(UTC)
    inds = await registry(conn)
    totals: dict[tuple[str, int, str], int] = {}
    hists: dict[int, dict[int, int]] = defaultdict(dict)
    for r in await store.counters(conn, years):
        if r["indicator_id"] == "bench.median_days_to_answer":
            hists[r["year"]][int(r["dimension"].removeprefix("days:"))] = int(r["value"])
        else:
            totals[(r["indicator_id"], r["year"], r["dimension"])] = int(r["value"])
    manual = {
        (r["indicator_id"], r["year"]): r["value"] for r in await store.manual_values(conn, years)
    }
    overdue = await store.overdue(conn, years, now)
    # Read directly from the programme's tasks (tasks_share.py), not from events.
    tasks_done = await tasks_share.completed_shares(conn, years)
    # Names only when some department has answers to show (one query more, then).
    names = (
        await department_names(conn)
        if any(i == ON_TIME and d.startswith("department:") for i, _, d in totals)
        else {}
    )
    out: dict[int, list[Reading]] = {}
    for year in years:
        rows = []
        for ind in inds:
            value = _value(ind, year, totals, hists[year], manual, overdue)
            if ind.id == "programme.tasks_completed_share":
                value = tasks_done[year][None]
            breakdown = _breakdown(ind.id, year, totals) if ind.id in BREAKDOWN_OF else {}
            amounts = _amounts(ind.id, year, totals) if ind.unit == MONEY else {}
            answers = None
            if ind.id == "bench.answer_rate":
                answers = domain.AnswerCounts(
                    received=totals.get(("bench.questions_received", year, ""), 0),
                    answered=totals.get(("bench.questions_answered", year, ""), 0),
                    overdue=overdue.get(year, 0),
                )
            assessment = domain.assess(
                value,
                ind.expected_value,
                ind.expected_kind,
                year=year,
                now=now,
                cumulative=ind.cumulative,
                answers=answers,
            )
            reading = Reading(ind, year, value, assessment.status, breakdown, amounts, assessment)
            if ind.id in SHARE_COUNTS:
                reading = dataclasses.replace(reading, counts=SHARE_COUNTS[ind.id](totals, year))
            if ind.id == ON_TIME:
                cells = breakdown.get("department", {})
                reading = dataclasses.replace(
                    reading,
                    cell_names={k: names.get(k) or {"pl": k} for k in cells},
                    cell_shares={
                        k: domain.answer_rate(
                            n, totals.get((ON_TIME, year, f"department_on_time:{k}"), 0)
                        )
                        for k, n in cells.items()
                    },
                )
            rows.append(reading)
        out[year] = rows
    return out


def _verdict_counts(totals: dict[tuple[str, int, str], int], year: int) -> dict[str, int]:
    given = totals.get(("bench.answers_helpful_share", year, "verdict"), 0)
    helpful = totals.get(("bench.answers_helpful_share", year, "helpful"), 0)
    return {"verdicts": given, "helpful": helpful, "not_helpful": given - helpful}


def _on_time_counts(totals: dict[tuple[str, int, str], int], year: int) -> dict[str, int]:
    answered = totals.get(("bench.questions_answered", year, ""), 0)
    on_time = totals.get((ON_TIME, year, "on_time"), 0)
    return {"answered": answered, "on_time": on_time, "late": answered - on_time}


SHARE_COUNTS = {
    "bench.answers_helpful_share": _verdict_counts,
    "bench.median_days_to_helpful_answer": lambda t, y: {
        "helpful": _verdict_counts(t, y)["helpful"]
    },
    ON_TIME: _on_time_counts,
}


def _histogram(
    totals: dict[tuple[str, int, str], int], indicator_id: str, year: int, prefix: str
) -> dict[int, int]:
    """{days: how many} of the counters `prefix<days>` of an indicator's year."""
    return {
        int(dim.removeprefix(prefix)): n
        for (i, y, dim), n in totals.items()
        if i == indicator_id
        and y == year
        and dim.startswith(prefix)
        and dim[len(prefix) :].isdigit()
    }


async def department_names(conn: asyncpg.Connection) -> dict[str, dict[str, str]]:
    """Each department of the Bench's registry by id: its names (pl, and en/uk where saved)."""
    return {
        r["key"].removeprefix("department:"): {
            "pl": r["data"]["name"],
            **{k: v for k, v in (r["data"].get("name_i18n") or {}).items() if v},
        }
        for r in await conn.fetch(
            "select key, data from facts where key like 'department:%' and data ? 'name'"
        )
    }


def department_name(names: dict[str, str] | None, lang: str, fallback: str) -> str:
    """A department's name in `lang`, else Polish (its original)."""
    if not names:
        return fallback
    return names.get(lang) or names["pl"]


async def department_stats(conn: asyncpg.Connection, year: int) -> list[dict[str, Any]]:
    """Per department of the registry for `year` (questions received that year): received,
    answered, answered on time (share), median days to answer, helpful share. A figure whose
    base is under 5 is None (shown "<5"): received, answered or verdicts."""
    names = await department_names(conn)
    totals = {
        (r["indicator_id"], r["year"], r["dimension"]): int(r["value"])
        for r in await store.counters(conn, [year])
        if r["indicator_id"] == ON_TIME
    }

    def get(dim: str) -> int:
        return totals.get((ON_TIME, year, dim), 0)

    ids = {
        dim.partition(":")[2]
        for (_, _, dim) in totals
        if dim.startswith(("received:", "department:"))
    }
    small = domain.SMALL_CELL
    out = []
    for dept in ids:
        received, answered = get(f"received:{dept}"), get(f"department:{dept}")
        verdicts = get(f"verdict:{dept}")
        out.append(
            {
                "id": dept,
                "names": names.get(dept) or {"pl": dept},
                "received": received if received >= small else None,
                "answered": answered if answered >= small else None,
                "on_time_share": domain.answer_rate(answered, get(f"department_on_time:{dept}"))
                if answered >= small
                else None,
                "median_days": domain.median_days(
                    _histogram(totals, ON_TIME, year, f"days:{dept}:")
                )
                if answered >= small
                else None,
                "helpful_share": domain.answer_rate(verdicts, get(f"helpful:{dept}"))
                if verdicts >= small
                else None,
            }
        )
    out.sort(key=lambda d: d["names"]["pl"].lower())
    return out


def _amounts(
    indicator_id: str, year: int, totals: dict[tuple[str, int, str], int]
) -> dict[str, int]:
    """Minor units per currency of a money indicator (currencies with nothing left out)."""
    found = {
        dim.removeprefix("currency:"): n
        for (i, y, dim), n in totals.items()
        if i == indicator_id and y == year and dim.startswith("currency:") and n
    }
    return dict(sorted(found.items(), key=lambda kv: (kv[0] != BASE_CURRENCY, kv[0])))


def _breakdown(
    indicator_id: str, year: int, totals: dict[tuple[str, int, str], int]
) -> dict[str, dict[str, int]]:
    kinds = BREAKDOWN_KINDS_OF.get(indicator_id, BREAKDOWN_KINDS)
    out: dict[str, dict[str, int]] = {kind: {} for kind in kinds}
    for (i, y, dim), n in totals.items():
        if i == indicator_id and y == year and ":" in dim:
            kind, _, key = dim.partition(":")
            if kind in out:
                out[kind][key] = n
    return {k: v for k, v in out.items() if v or indicator_id == "bench.questions_received"}


def safe_breakdown(reading: Reading) -> dict[str, list[dict[str, Any]]]:
    """The reading's breakdowns with the small-cell rule applied (cells of 1..4 hidden as "<5")."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, cells in reading.breakdown.items():
        shown = domain.suppress_small_cells(cells)
        out[kind] = [
            {"key": key, "count": count, "shown": _shown(count, cells[key])}
            | (
                {
                    "names": reading.cell_names[key],
                    # a share only where its base is shown (5 or more)
                    "share": reading.cell_shares.get(key) if count is not None else None,
                }
                if key in reading.cell_names
                else {}
            )
            for key, count in sorted(
                shown.items()
            )  # by key: the order must not hint at hidden sizes
        ]
    return out


def _shown(count: int | None, real: int) -> str:
    """ "<5" for a small cell; "hidden" for a larger one hidden so the small one cannot be derived."""
    if count is not None:
        return str(count)
    return f"<{domain.SMALL_CELL}" if real < domain.SMALL_CELL else "hidden"


def number(value: Decimal | None) -> float | None:
    """A JSON number (integers stay whole)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def chart_years(ind: Indicator, year: int) -> list[int]:
    """Years a chart shows: from the base year (or four years back) to `year`."""
    start = min(ind.base_year or year, year) if ind.base_year else year - 3
    return list(range(max(start, year - 9), year + 1))
