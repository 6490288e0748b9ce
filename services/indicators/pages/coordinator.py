"""The coordinator's dashboard and the printable annual report (pages; session cookie or bearer):
read the request, call one command or query, render."""

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

from services.indicators import charts, commands, labels, queries, report, streaming
from services.indicators.domain import ManualValue, current_year
from shared.auth import current_user, requires
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, explain, page_status
from shared.web.templates import PageRenderer

SCHEMA = "indicators"
HERE = Path(__file__).parents[1]  # templates/ and static/ of the service
catalogs = labels.catalogs
pages = PageRenderer([HERE / "templates"], catalogs)
coordinator = [requires("coordinator")]
YEAR = Parameter(query="year", default=None, ge=2000, le=2100)


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
                if ind.expected_value is not None and currency == queries.BASE_CURRENCY
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
    async with runtime.pool(SCHEMA).acquire() as conn:
        ctx = await queries.dashboard(conn, year, negotiate_language(request))
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
    async with runtime.pool(SCHEMA).acquire() as conn:
        ctx = await queries.dashboard(conn, year, negotiate_language(request))
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
    async with runtime.pool(SCHEMA).acquire() as conn:
        ctx = await queries.dashboard(conn, year or current_year(), negotiate_language(request))
    return _render(request, "indicators/pipeline_fragment.html", **ctx)


@get("/dashboard/stream", guards=coordinator, include_in_schema=False)
async def dashboard_stream(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> ServerSentEvent:
    """The same events as /api/indicators/stream, for the signed-in page (session cookie)."""
    return streaming.response(runtime, year or current_year(), negotiate_language(request))


def _year(text: str) -> int | None:
    """A year typed in the form; None when it is not a whole number (the command refuses it)."""
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _number(text: str) -> Decimal | None:
    """A number typed in the form, with a decimal comma or point; None when it is none."""
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None


@post(
    "/dashboard/indicators/{indicator_id:str}/values", guards=coordinator, include_in_schema=False
)
async def report_value_form(
    request: Request[Any, Any, Any], runtime: Runtime, indicator_id: str
) -> Response[Any]:
    """The page form for a value reported by hand: the API's command, then back to the
    dashboard; a refused value comes back with its reasons next to its fields."""
    form = await request.form()
    year_text, value_text, note = (
        str(form.get("year", "")),
        str(form.get("value", "")),
        str(form.get("note", "")),
    )
    user = current_user(request)
    assert user is not None
    entry = ManualValue(_year(year_text), _number(value_text), note)
    try:
        await commands.record_value(runtime, user.subject, indicator_id, entry)
    except Refused as exc:
        if exc.kind is not Kind.INVALID:
            # Only indicators reported by hand have this form: any other is not found here.
            raise NotFoundException(
                f"no indicator reported by hand is called {indicator_id!r}"
            ) from exc
        lang = negotiate_language(request)
        errors = explain(Speaker(catalogs, lang), exc.refusals, order=("year", "value", "note"))
        year = entry.year if entry.year is not None and 2000 <= entry.year <= 2100 else None
        async with runtime.pool(SCHEMA).acquire() as conn:
            ctx = await queries.dashboard(conn, year or current_year(), lang)
        return _render(
            request,
            "indicators/dashboard.html",
            page_status(exc),
            **ctx,
            errors={indicator_id: errors.fields},
            values={"year": year_text, "value": value_text, "note": note},
            saved=None,
        )
    return Redirect(
        f"/dashboard?year={entry.year}&saved={indicator_id}#{indicator_id.replace('.', '-')}",
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
        readings = await queries.year_readings(conn, year)
    return _render(request, "indicators/report.html", year=year, readings=readings)


@get("/dashboard/report/{year:int}/csv", guards=coordinator, include_in_schema=False)
async def report_csv_page(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[bytes]:
    """The annual table as CSV for the signed-in page (the API serves the same to bearer tokens)."""
    if not 2000 <= year <= 2100:
        raise NotFoundException("no report for that year")
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = await queries.year_readings(conn, year)
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
