"""HTTP API of the indicators service for the coordinator (routes fixed by the public contract,
plus history and breakdowns): parse, call one command or query, answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from msgspec import Meta

from services.indicators import commands, queries, report, streaming
from services.indicators.domain import ManualValue, current_year
from services.indicators.queries import ValueReport
from shared import idempotency
from shared.auth import current_user, requires
from shared.runtime import Runtime

SCHEMA = "indicators"
TAGS = ["indicators"]
Year = Annotated[int, Meta(ge=2000, le=2100)]


class Amount(msgspec.Struct):
    """Money in minor units (grosze, euro cents) and its currency."""

    amount: int
    currency: str


class IndicatorView(msgspec.Struct, kw_only=True):
    id: str
    objective: int
    name: str
    unit: str
    base_value: float | None
    base_year: int | None
    expected_value: float | None
    expected_kind: str | None
    source: str
    value: float | None
    status: str
    amounts: list[Amount] = []
    """Money indicators: the value per currency, every currency awarded (`value` is the PLN
    part, what a PLN expected value compares to); empty for other units."""


class IndicatorsView(msgspec.Struct):
    year: int
    indicators: list[IndicatorView]


class ValueIn(msgspec.Struct, forbid_unknown_fields=True):
    """A yearly value reported by hand."""

    year: Year
    value: Annotated[float, Meta(ge=0, le=1e12)]
    note: Annotated[str, Meta(max_length=2000)] = ""


class HistoryView(msgspec.Struct):
    indicator_id: str
    items: list[ValueReport]


class Cell(msgspec.Struct, omit_defaults=True):
    key: str
    count: int | None
    shown: str
    # Departments (bench.answered_on_time_share): their names and share on time (null under 5).
    names: dict[str, str] | None = None
    share: float | None = None


class BreakdownView(msgspec.Struct):
    indicator_id: str
    year: int
    by: dict[str, list[Cell]]


def view(reading: queries.Reading, lang: str = "en") -> IndicatorView:
    """The contract's shape of one reading."""
    ind = reading.indicator
    return IndicatorView(
        id=ind.id,
        objective=ind.objective,
        name=ind.name(lang),
        unit=ind.unit,
        base_value=queries.number(ind.base_value),
        base_year=ind.base_year,
        expected_value=queries.number(ind.expected_value),
        expected_kind=ind.expected_kind,
        source=ind.source,
        value=queries.number(reading.value),
        status=reading.status,
        amounts=[Amount(amount, currency) for currency, amount in reading.amounts.items()],
    )


@get("/api/indicators", guards=[requires("coordinator")], tags=TAGS)
async def list_indicators(
    runtime: Runtime,
    year: int = Parameter(query="year", ge=2000, le=2100),
    lang: str = Parameter(query="lang", default="en", pattern="^(pl|en|uk)$"),
) -> IndicatorsView:
    """Every programme indicator for `year`: base, expected and actual value with status."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = await queries.year_readings(conn, year)
    return IndicatorsView(year=year, indicators=[view(r, lang) for r in readings])


@post(
    "/api/indicators/{indicator_id:str}/values",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=202,
)
async def report_value(
    request: Request[Any, Any, Any], indicator_id: str, data: ValueIn, runtime: Runtime
) -> Response[Any]:
    """Report the yearly value of an indicator kept by hand (source: manual).

    The value is recorded as an `indicators.value_reported` event; the projection applies it like
    any other event, so it shows within moments (202). Events-sourced indicators refuse: 409.
    """
    user = current_user(request)
    assert user is not None
    requested = idempotency.requested(request, await request.body(), commands.IDEMPOTENCY_SCOPE)
    answer = await commands.record_value(
        runtime,
        user.subject,
        indicator_id,
        ManualValue(data.year, Decimal(repr(data.value)), data.note),
        requested,
    )
    return idempotency.respond(answer, 202)


@get("/api/indicators/{indicator_id:str}/values", guards=[requires("coordinator")], tags=TAGS)
async def value_history(
    runtime: Runtime,
    indicator_id: str,
    year: int | None = Parameter(query="year", default=None, ge=2000, le=2100),
) -> HistoryView:
    """Every value reported by hand for the indicator (who, when, note), newest first."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        items = await queries.history(conn, indicator_id, year)
    return HistoryView(indicator_id, items)


@get("/api/indicators/{indicator_id:str}/breakdown", guards=[requires("coordinator")], tags=TAGS)
async def breakdown(
    runtime: Runtime, indicator_id: str, year: int = Parameter(query="year", ge=2000, le=2100)
) -> BreakdownView:
    """Counts by self-declared group, language and channel; cells under 5 people read "<5" (count null)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        by = await queries.breakdown(conn, indicator_id, year)
    return BreakdownView(
        indicator_id,
        year,
        {
            k: [
                Cell(**{**c, "share": queries.number(c["share"])} if "share" in c else c)
                for c in cells
            ]
            for k, cells in by.items()
        },
    )


@get(
    "/api/indicators/stream",
    guards=[requires("coordinator")],
    tags=TAGS,
    media_type="text/event-stream",
)
async def stream(
    runtime: Runtime,
    year: int | None = Parameter(query="year", default=None, ge=2000, le=2100),
    lang: str = Parameter(query="lang", default="en", pattern="^(pl|en|uk)$"),
) -> ServerSentEvent:
    """Server-Sent Events: one `indicator` event per changed indicator of `year` (default: this year)."""
    return streaming.response(runtime, year or current_year(), lang)


@get(
    "/api/indicators/report/{filename:str}",
    guards=[requires("coordinator")],
    tags=TAGS,
    media_type="text/csv",
)
async def report_csv(
    runtime: Runtime,
    filename: str,
    lang: str = Parameter(query="lang", default="pl", pattern="^(pl|en|uk)$"),
) -> Response[bytes]:
    """The annual table for Y (`/api/indicators/report/Y.csv`) in the programme's order."""
    stem, dot, ext = filename.partition(".")
    if ext != "csv" or not stem.isdigit() or not 2000 <= int(stem) <= 2100:
        raise NotFoundException("ask for /api/indicators/report/<year>.csv, e.g. 2025.csv")
    year = int(stem)
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = await queries.year_readings(conn, year)
    return Response(
        report.csv_bytes(readings, year, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="openkrakow-indicators-{year}.csv"'},
    )


route_handlers = [list_indicators, report_value, value_history, breakdown, stream, report_csv]
