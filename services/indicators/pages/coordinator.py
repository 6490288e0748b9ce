"""The coordinator's dashboard and the printable annual report (pages; session cookie or bearer):
read the request, call one command or query, render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
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
from services.indicators.domain import WARSAW, ManualValue, current_year
from shared.auth import current_user, requires
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import user_of
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, explain, page_status
from shared.web.templates import PageRenderer
from shared.work_pages import open_work

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
    shown = ", ".join(f"{y}: {labels.number(v, lang)}" for y, v in series)
    desc = gettext(lang, "Values by year: %(values)s.") % {"values": shown}
    if expected is not None:
        desc += " " + gettext(lang, "Expected value: %(value)s (dashed line).") % {
            "value": labels.number(expected, lang)
        }
    return charts.bar_chart(chart_id, title, desc, series, expected, lang)


fmt = labels.fmt


STATUS_ORDER = {"behind": 0, "no_data": 1, "on_track": 2, "met": 3}
# A shape beside the word, so a status never rests on colour alone.
STATUS_MARKS = {"behind": "▼", "no_data": "○", "on_track": "▲", "met": "✔"}


def _shown(reading: queries.Reading, key: str, figure: Decimal | int | None, lang: str) -> str:
    """A figure of a reason as people read it: with its unit for the indicator's own values."""
    ind = reading.indicator
    if figure is None:
        return labels.number(None, lang)
    if key == "year" or not isinstance(figure, (int, Decimal)):
        return str(figure)  # a year is a name, never "2 026"
    if key not in ("value", "expected", "path"):
        return labels.number(figure, lang)
    if ind.unit == queries.MONEY:
        return labels.money({queries.BASE_CURRENCY: int(figure)}, lang)
    if ind.unit == "percent":
        return f"{labels.number(figure, lang)}%"
    if ind.unit == "days":
        return f"{labels.number(figure, lang)} {catalogs.gettext(lang, 'days')}"
    return labels.number(figure, lang)


def reason(reading: queries.Reading, lang: str) -> str:
    """Why the reading has its status, in `lang`, e.g. "3 of 10 questions answered; …"."""
    found = reading.assessment
    if found is None:
        return ""
    values = {k: _shown(reading, k, v, lang) for k, v in found.values.items()}
    return catalogs.gettext(lang, found.reason) % values


def bar_width(value: Decimal | None, expected: Decimal | None) -> int:
    """Pixels of the 96-pixel path bar for `value` on the way to `expected` (capped)."""
    if value is None or not expected or expected <= 0:
        return 0
    return max(0, min(96, int(Decimal(96) * value / expected)))


def glance(ctx: dict[str, Any], objective: int | None) -> list[queries.Reading]:
    """Every reading of the year (or of one objective), what is behind first."""
    chosen = [r for r in ctx["readings"] if objective is None or r.indicator.objective == objective]
    return sorted(chosen, key=lambda r: (STATUS_ORDER.get(r.status, 9), r.indicator.position))


def glance_summary(readings: list[queries.Reading], lang: str) -> str:
    """ "3 behind · 2 without data · 10 on track · 6 met" in `lang`."""
    parts = []
    for state in ("behind", "no_data", "on_track", "met"):
        n = sum(1 for r in readings if r.status == state)
        if n:
            parts.append(f"{catalogs.gettext(lang, labels.STATUSES[state])}: {n}")
    return " · ".join(parts)


def _glance_context(ctx: dict[str, Any], objective: int | None, lang: str) -> dict[str, Any]:
    rows = glance(ctx, objective)
    choices = [{"number": o["number"], "name": o["name"]} for o in ctx["objectives"]]
    return {
        "glance": rows,
        "glance_summary": glance_summary(rows, lang),
        "objective_filter": objective,
        "objective_choices": choices,
        "objectives": [o for o in ctx["objectives"] if objective in (None, o["number"])],
    }


OBJECTIVE = Parameter(query="objective", default=None, ge=1, le=6)


def _helpers(lang: str) -> dict[str, Any]:
    """What the dashboard's templates call, in `lang`."""
    return {
        "reason": lambda r: reason(r, lang),
        "status_mark": lambda state: STATUS_MARKS.get(state, ""),
        "bar_width": bar_width,
        "fmt": lambda value: labels.number(value, lang),
        "chart": lambda c: chart(c, lang, catalogs.gettext),
        "labels": labels,
        "category": lambda kind, key: labels.category(
            lambda m: catalogs.gettext(lang, m), kind, key
        ),
        "money": lambda amounts: labels.money(amounts, lang),
        # A breakdown cell that is no code (a department): its name in `lang`, else Polish.
        "cell_name": lambda kind, cell: (
            queries.department_name(cell["names"], lang, cell["key"])
            if cell.get("names")
            else labels.category(lambda m: catalogs.gettext(lang, m), kind, cell["key"])
        ),
        # When the page was made (for the reload button of a page without JavaScript).
        "as_of": datetime.now(WARSAW).strftime("%H:%M"),
    }


def _render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **ctx: Any
) -> Response[str]:
    lang = negotiate_language(request)
    return pages.render(request, template, status, **_helpers(lang), **ctx)


def live_message(
    request: Request[Any, Any, Any], year: int, lang: str
) -> Callable[[dict[str, Any]], streaming.CardChanged]:
    """The dashboard stream's message of one card: the API's fields, the status and its reason
    in words, and the card and its at-a-glance row rendered as on the page (same templates,
    same CSRF token for a manual value's form)."""
    base = {**pages.context_for(request, lang), **_helpers(lang), "year": year, "errors": {}}
    row = pages.environment.get_template("indicators/glance_row.html")
    card = pages.environment.get_template("indicators/card_fragment.html")

    def render(found: dict[str, Any]) -> streaming.CardChanged:
        reading: queries.Reading = found["reading"]
        api = streaming.message(reading, lang)
        return streaming.CardChanged(
            **{f: getattr(api, f) for f in api.__struct_fields__},
            status_text=catalogs.gettext(lang, labels.STATUSES[reading.status]),
            reason=reason(reading, lang),
            row=row.render({**base, "reading": reading}),
            card=card.render({**base, "card": found}),
        )

    return render


@get("/dashboard", guards=coordinator, include_in_schema=False)
async def dashboard(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    year: int | None = YEAR,
    objective: int | None = OBJECTIVE,
) -> Response[str]:
    """The live dashboard: at a glance first (every indicator, what is behind first, with the
    reason in words), then every indicator's card against base and expected values."""
    year = year or current_year()
    lang = negotiate_language(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        ctx = await queries.dashboard(conn, year, lang)
    ctx.update(_glance_context(ctx, objective, lang))
    return _render(
        request,
        "indicators/dashboard.html",
        **ctx,
        **await _alerts(runtime, request, lang),
        errors={},
        saved=request.query_params.get("saved"),
    )


async def _alerts(runtime: Runtime, request: Request[Any, Any, Any], lang: str) -> dict[str, Any]:
    """What needs the coordinator now, beside the table: the coordinator's open work in every
    service (the same as on /work: overdue questions, applications to check, candidacies not
    scored, meetings without minutes, values not entered), overdue first, each a link."""
    work = await open_work(runtime, user_of(request), lang)
    items = [i for g in work.groups if g.role == "coordinator" for i in g.items]
    return {
        "alerts": sorted(items, key=lambda i: (i.overdue == 0, -i.count)),
        "alerts_failed": work.failed,
    }


@get("/dashboard/glance", guards=coordinator, include_in_schema=False)
async def glance_fragment(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    year: int | None = YEAR,
    objective: int | None = OBJECTIVE,
) -> Response[str]:
    """The at-a-glance table alone, as an HTML fragment (the live page now updates from the
    stream's messages and no longer fetches it)."""
    year = year or current_year()
    lang = negotiate_language(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        readings = await queries.year_readings(conn, year)
    ctx: dict[str, Any] = {"readings": readings, "objectives": []}
    ctx.update(_glance_context(ctx, objective, lang))
    return _render(request, "indicators/glance_fragment.html", year=year, **ctx)


@get("/dashboard/indicators/{indicator_id:str}/card", guards=coordinator, include_in_schema=False)
async def card(
    request: Request[Any, Any, Any], runtime: Runtime, indicator_id: str, year: int | None = YEAR
) -> Response[str]:
    """One indicator's card from its own read, as an HTML fragment (the stream's message
    carries the same card to the live page)."""
    year = year or current_year()
    try:
        async with runtime.pool(SCHEMA).acquire() as conn:
            found = await queries.card(conn, year, indicator_id)
    except Refused as exc:
        raise NotFoundException(f"no indicator {indicator_id!r}") from exc
    return _render(
        request,
        "indicators/card_fragment.html",
        card=found,
        year=year,
        errors={},
    )


@get("/dashboard/pipeline", guards=coordinator, include_in_schema=False)
async def pipeline(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> Response[str]:
    """The Bench question pipeline, as an HTML fragment."""
    year = year or current_year()
    async with runtime.pool(SCHEMA).acquire() as conn:
        current = await queries.year_readings(conn, year)
    return _render(
        request,
        "indicators/pipeline_fragment.html",
        year=year,
        pipeline=queries.pipeline(current),
    )


@get("/dashboard/stream", guards=coordinator, include_in_schema=False)
async def dashboard_stream(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> ServerSentEvent:
    """The events of /api/indicators/stream for the signed-in page (session cookie), each with
    what the page shows of its indicator (its row and its card), so the page fetches nothing."""
    year = year or current_year()
    lang = negotiate_language(request)
    return streaming.response(runtime, year, lang, live_message(request, year, lang))


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
        ctx.update(_glance_context(ctx, None, lang))
        return _render(
            request,
            "indicators/dashboard.html",
            page_status(exc),
            **ctx,
            **await _alerts(runtime, request, lang),
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
    glance_fragment,
    card,
    pipeline,
    dashboard_stream,
    report_value_form,
    printable_report,
    report_csv_page,
    static,
]
