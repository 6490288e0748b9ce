"""HTTP API of the indicators service (routes fixed by the public contract, plus history and breakdowns)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import ServerSentEvent
from msgspec import Meta

from services.indicators import domain, readmodel, report, store, streaming
from shared import idempotency, outbox
from shared.auth import current_user, requires
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.http import Conflict, field_error
from shared.logs import correlation_id
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


class ValueReport(msgspec.Struct, kw_only=True):
    event_id: str
    indicator_id: str
    year: int
    value: float
    note: str
    reported_by: str
    reported_at: datetime


class HistoryView(msgspec.Struct):
    indicator_id: str
    items: list[ValueReport]


class Cell(msgspec.Struct):
    key: str
    count: int | None
    shown: str


class BreakdownView(msgspec.Struct):
    indicator_id: str
    year: int
    by: dict[str, list[Cell]]


def view(reading: readmodel.Reading, lang: str = "en") -> IndicatorView:
    """The contract's shape of one reading."""
    ind = reading.indicator
    return IndicatorView(
        id=ind.id,
        objective=ind.objective,
        name=ind.name(lang),
        unit=ind.unit,
        base_value=readmodel.number(ind.base_value),
        base_year=ind.base_year,
        expected_value=readmodel.number(ind.expected_value),
        expected_kind=ind.expected_kind,
        source=ind.source,
        value=readmodel.number(reading.value),
        status=reading.status,
        amounts=[Amount(amount, currency) for currency, amount in reading.amounts.items()],
    )


def current_year() -> int:
    """This year in Kraków."""
    return domain.warsaw_year(datetime.now(UTC))


async def _indicator(runtime: Runtime, indicator_id: str) -> readmodel.Indicator:
    async with runtime.pool(SCHEMA).acquire() as conn:
        found = next((i for i in await readmodel.registry(conn) if i.id == indicator_id), None)
    if found is None:
        raise NotFoundException(f"no indicator {indicator_id!r}")
    return found


@get("/api/indicators", guards=[requires("coordinator")], tags=TAGS)
async def list_indicators(
    runtime: Runtime,
    year: int = Parameter(query="year", ge=2000, le=2100),
    lang: str = Parameter(query="lang", default="en", pattern="^(pl|en|uk)$"),
) -> IndicatorsView:
    """Every programme indicator for `year`: base, expected and actual value with status."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = (await readmodel.readings(conn, [year]))[year]
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
    indicator = await _indicator(runtime, indicator_id)
    if indicator.source != "manual":
        raise Conflict(
            f"{indicator_id} is computed from events; only indicators reported by hand take values"
        )
    if indicator.unit == "percent" and data.value > 100:
        raise field_error("value", "a percentage is at most 100", 422)
    user = current_user(request)
    assert user is not None
    body = await request.body()
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        key, replay = await idempotency.claim(conn, request, body, "indicators.report_value")
        if replay:
            return idempotency.replay_response(replay)
        envelope = new_event(
            ev.IndicatorValueReported(
                indicator_id=indicator_id,
                year=data.year,
                value=data.value,
                reported_by=user.subject,
                reported_at=utcnow(),
                note=data.note.strip(),
            ),
            producer="indicators",
            correlation_id=correlation_id.get(),
        )
        p = envelope.payload
        answer = ValueReport(
            event_id=str(envelope.id),
            indicator_id=indicator_id,
            year=p.year,
            value=p.value,
            note=p.note,
            reported_by=p.reported_by,
            reported_at=p.reported_at,
        )
        await idempotency.remember(conn, key, 202, answer)
        await outbox.add(conn, envelope)
    return Response(answer, status_code=202)


@get("/api/indicators/{indicator_id:str}/values", guards=[requires("coordinator")], tags=TAGS)
async def value_history(
    runtime: Runtime,
    indicator_id: str,
    year: int | None = Parameter(query="year", default=None, ge=2000, le=2100),
) -> HistoryView:
    """Every value reported by hand for the indicator (who, when, note), newest first."""
    await _indicator(runtime, indicator_id)
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await store.manual_history(conn, indicator_id, year)
    return HistoryView(
        indicator_id,
        [
            ValueReport(
                event_id=str(r["event_id"]),
                indicator_id=r["indicator_id"],
                year=r["year"],
                value=float(r["value"]),
                note=r["note"],
                reported_by=r["reported_by"],
                reported_at=r["reported_at"],
            )
            for r in rows
        ],
    )


@get("/api/indicators/{indicator_id:str}/breakdown", guards=[requires("coordinator")], tags=TAGS)
async def breakdown(
    runtime: Runtime, indicator_id: str, year: int = Parameter(query="year", ge=2000, le=2100)
) -> BreakdownView:
    """Counts by self-declared group, language and channel; cells under 5 people read "<5" (count null)."""
    await _indicator(runtime, indicator_id)
    if indicator_id not in readmodel.BREAKDOWN_OF:
        raise NotFoundException(
            f"{indicator_id} has no breakdown; these do: {', '.join(readmodel.BREAKDOWN_OF)}"
        )
    async with runtime.pool(SCHEMA).acquire() as conn:
        reading = next(
            r
            for r in (await readmodel.readings(conn, [year]))[year]
            if r.indicator.id == indicator_id
        )
    by = readmodel.safe_breakdown(reading)
    return BreakdownView(
        indicator_id, year, {k: [Cell(**c) for c in cells] for k, cells in by.items()}
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
        readings = (await readmodel.readings(conn, [year]))[year]
    return Response(
        report.csv_bytes(readings, year, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="openkrakow-indicators-{year}.csv"'},
    )


route_handlers = [list_indicators, report_value, value_history, breakdown, stream, report_csv]
