"""The coordinator's dashboard and the printable annual report (pages; session cookie or bearer)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect, ServerSentEvent
from litestar.static_files import create_static_files_router
from markupsafe import Markup

from services.indicators import charts, labels, readmodel, report, store, streaming
from services.indicators.api import SCHEMA, current_year
from shared import outbox
from shared.auth import current_user, requires
from shared.events import catalogue as ev
from shared.events import new_event, utcnow
from shared.logs import correlation_id
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language
from shared.web.templates import PageRenderer

HERE = Path(__file__).parent
catalogs = labels.catalogs
pages = PageRenderer([HERE / "templates"], catalogs)
coordinator = [requires("coordinator")]
YEAR = Parameter(query="year", default=None, ge=2000, le=2100)


async def _context(runtime: Runtime, year: int, lang: str) -> dict[str, Any]:
    """Everything the dashboard shows for `year`."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        inds = await readmodel.registry(conn)
        years = sorted({y for i in inds for y in readmodel.chart_years(i, year)} | {year})
        by_year = await readmodel.readings(conn, years)
        history = {
            i.id: await store.manual_history(conn, i.id, year) for i in inds if i.source == "manual"
        }
    current = by_year[year]
    cards = []
    for reading in current:
        ind = reading.indicator
        past = {
            y: next(r for r in by_year[y] if r.indicator.id == ind.id)
            for y in readmodel.chart_years(ind, year)
        }
        series = [(y, r.value) for y, r in past.items()]
        currencies: list[str] = []
        if ind.unit == readmodel.MONEY:
            found = {c for r in past.values() for c in r.amounts} | {readmodel.BASE_CURRENCY}
            currencies = sorted(found, key=lambda c: (c != readmodel.BASE_CURRENCY, c))
        cards.append(
            {
                "reading": reading,
                "series": series,
                # money: one series per currency, in main units (zł, euro), every year shown
                "money_series": {
                    c: [(y, Decimal(r.amounts.get(c, 0)) / 100) for y, r in past.items()]
                    for c in currencies
                },
                "amounts_by_year": [(y, r.amounts) for y, r in past.items()],
                "history": history.get(ind.id, [])[:5],
                "breakdown": readmodel.safe_breakdown(reading),
            }
        )
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
    value = {r.indicator.id: r.value for r in current}
    return {
        "year": year,
        "objectives": objectives,
        "readings": current,
        "pipeline": {k: value[f"bench.questions_{k}"] for k in ("received", "answered", "overdue")},
        "years": list(range(2023, max(current_year(), year) + 2)),
    }


def chart(card: dict[str, Any], lang: str, gettext: Any) -> Any:
    """The SVG of one card; a money indicator has one per currency (never summed across)."""
    ind = card["reading"].indicator
    if card.get("money_series"):
        return Markup("").join(
            _chart(
                f"chart-{ind.id.replace('.', '-')}-{currency.lower()}",
                f"{ind.name(lang)} ({currency})",
                series,
                # An expected money value is in PLN: drawn on the PLN chart only.
                ind.expected_value / 100
                if ind.expected_value is not None and currency == readmodel.BASE_CURRENCY
                else None,
                lang,
                gettext,
            )
            for currency, series in card["money_series"].items()
        )
    return _chart(
        f"chart-{ind.id.replace('.', '-')}",
        ind.name(lang),
        card["series"],
        ind.expected_value,
        lang,
        gettext,
    )


def _chart(
    chart_id: str,
    title: str,
    series: list[tuple[int, Decimal | None]],
    expected: Decimal | None,
    lang: str,
    gettext: Any,
) -> Any:
    shown = ", ".join(f"{y}: {fmt(v)}" for y, v in series)
    desc = gettext(lang, "Values by year: %(values)s.") % {"values": shown}
    if expected is not None:
        desc += " " + gettext(lang, "Expected value: %(value)s (dashed line).") % {
            "value": fmt(expected)
        }
    return charts.bar_chart(chart_id, title, desc, series, expected)


fmt = labels.fmt


def _render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **ctx: Any
) -> Response[str]:
    lang = negotiate_language(request)
    return pages.render(
        request,
        template,
        status,
        fmt=fmt,
        chart=lambda c: chart(c, lang, catalogs.gettext),
        labels=labels,
        category=lambda kind, key: labels.category(lambda m: catalogs.gettext(lang, m), kind, key),
        money=lambda amounts: labels.money(amounts, lang),
        **ctx,
    )


@get("/dashboard", guards=coordinator, include_in_schema=False)
async def dashboard(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> Response[str]:
    """The live dashboard: every indicator of the year against base and expected values."""
    year = year or current_year()
    ctx = await _context(runtime, year, negotiate_language(request))
    return _render(
        request,
        "indicators/dashboard.html",
        **ctx,
        errors={},
        saved=request.query_params.get("saved"),
    )


@get("/dashboard/indicators/{indicator_id:str}/card", guards=coordinator, include_in_schema=False)
async def card(
    request: Request[Any, Any, Any], runtime: Runtime, indicator_id: str, year: int | None = YEAR
) -> Response[str]:
    """One indicator's card (the live page swaps it in when the indicator changes)."""
    year = year or current_year()
    ctx = await _context(runtime, year, negotiate_language(request))
    found = next(
        (
            c
            for o in ctx["objectives"]
            for c in o["cards"]
            if c["reading"].indicator.id == indicator_id
        ),
        None,
    )
    if found is None:
        raise NotFoundException(f"no indicator {indicator_id!r}")
    return _render(request, "indicators/card_fragment.html", card=found, **ctx, errors={})


@get("/dashboard/pipeline", guards=coordinator, include_in_schema=False)
async def pipeline(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> Response[str]:
    """The Bench question pipeline (the live page swaps it in on change)."""
    ctx = await _context(runtime, year or current_year(), negotiate_language(request))
    return _render(request, "indicators/pipeline_fragment.html", **ctx)


@get("/dashboard/stream", guards=coordinator, include_in_schema=False)
async def dashboard_stream(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> ServerSentEvent:
    """The same events as /api/indicators/stream, for the signed-in page (session cookie)."""
    return streaming.response(runtime, year or current_year(), negotiate_language(request))


@post(
    "/dashboard/indicators/{indicator_id:str}/values", guards=coordinator, include_in_schema=False
)
async def report_value_form(
    request: Request[Any, Any, Any], runtime: Runtime, indicator_id: str
) -> Response[Any]:
    """The page form for a value reported by hand: same event as the API, then back to the dashboard."""
    form = await request.form()
    async with runtime.pool(SCHEMA).acquire() as conn:
        ind = next((i for i in await readmodel.registry(conn) if i.id == indicator_id), None)
    if ind is None or ind.source != "manual":
        raise NotFoundException(f"no indicator reported by hand is called {indicator_id!r}")
    errors: dict[str, str] = {}
    year_text, value_text, note = (
        str(form.get("year", "")),
        str(form.get("value", "")).replace(",", "."),
        str(form.get("note", "")),
    )
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else None
    try:
        value: Decimal | None = Decimal(value_text.strip())
        if not value.is_finite() or value < 0 or (ind.unit == "percent" and value > 100):
            value = None
    except InvalidOperation:
        value = None
    if year is None:
        errors["year"] = "Enter a year between 2000 and 2100"
    if value is None:
        errors["value"] = "Enter a number of 0 or more (a percentage at most 100)"
    if len(note) > 2000:
        errors["note"] = "Keep the note under 2000 characters"
    if errors:
        ctx = await _context(runtime, year or current_year(), negotiate_language(request))
        return _render(
            request,
            "indicators/dashboard.html",
            400,
            **ctx,
            errors={indicator_id: errors},
            values={"year": year_text, "value": value_text, "note": note},
            saved=None,
        )
    user = current_user(request)
    assert user is not None and year is not None and value is not None
    async with runtime.pool(SCHEMA).acquire() as conn, conn.transaction():
        await outbox.add(
            conn,
            new_event(
                ev.IndicatorValueReported(
                    indicator_id=indicator_id,
                    year=year,
                    value=float(value),
                    reported_by=user.subject,
                    reported_at=utcnow(),
                    note=note.strip(),
                ),
                producer="indicators",
                correlation_id=correlation_id.get(),
            ),
        )
    return Redirect(
        f"/dashboard?year={year}&saved={indicator_id}#{indicator_id.replace('.', '-')}",
        status_code=303,
    )


@get("/dashboard/report/{year:int}", guards=coordinator, include_in_schema=False)
async def printable_report(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[str]:
    """The annual table for the Council, printable, in the programme's order."""
    if not 2000 <= year <= 2100:
        raise NotFoundException("no report for that year")
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = (await readmodel.readings(conn, [year]))[year]
    return _render(request, "indicators/report.html", year=year, readings=readings)


@get("/dashboard/report/{year:int}/csv", guards=coordinator, include_in_schema=False)
async def report_csv_page(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[bytes]:
    """The annual table as CSV for the signed-in page (the API serves the same to bearer tokens)."""
    if not 2000 <= year <= 2100:
        raise NotFoundException("no report for that year")
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = (await readmodel.readings(conn, [year]))[year]
    return Response(
        report.csv_bytes(readings, year, negotiate_language(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="openkrakow-indicators-{year}.csv"'},
    )


static = create_static_files_router(
    path="/indicators-static", directories=[HERE / "static"], name="indicators-static"
)

route_handlers = [
    dashboard,
    card,
    pipeline,
    dashboard_stream,
    report_value_form,
    printable_report,
    report_csv_page,
    static,
]
