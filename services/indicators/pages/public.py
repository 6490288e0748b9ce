"""The public side of the indicators (no sign-in, read only): the programme table for a year
and the annual report for the City Council, in Polish, English and Ukrainian, without
JavaScript. Small cells are withheld (`services/indicators/public.py`).

Each request reads once (one read-only snapshot on one connection). Answers may be kept by the
visitor's browser for a minute (`Cache-Control: private, max-age=60`, never by a shared cache:
the first answer sets the CSRF cookie) and carry an ETag, so a reload within that time, or an
unchanged page after it, costs no rendering on the visitor's side and no body on the wire.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from services.indicators import labels, programme, public, report
from services.indicators.pages.coordinator import STATUS_MARKS, catalogs, pages, reason
from shared.runtime import Runtime
from shared.web.forms import N_
from shared.web.i18n import negotiate_language

SCHEMA = "indicators"
YEAR = Parameter(query="year", default=None, ge=2000, le=2100)
REPORT_NAME = re.compile(r"^(\d{4})(\.csv)?$")
CACHE = "private, max-age=60"

WITHHELD_WORD = N_("not published")
WITHHELD_REASON = N_(
    "Fewer than 5 people: the figure is not published, so that nobody can be singled out."
)
FEWER_THAN = N_("fewer than 5")
MARKS = {**STATUS_MARKS, public.WITHHELD: "–"}


def status_word(state: str, lang: str) -> str:
    """A public status in words (`withheld` included)."""
    msgid = WITHHELD_WORD if state == public.WITHHELD else labels.STATUSES[state]
    return catalogs.gettext(lang, msgid)


def public_reason(item: public.PublicReading, lang: str) -> str:
    """Why the row has its status, in `lang`; a withheld row says only why it is withheld."""
    if item.withheld:
        return catalogs.gettext(lang, WITHHELD_REASON)
    return reason(item.reading, lang)


def _cached(request: Request[Any, Any, Any], response: Response[Any], body: bytes) -> Response[Any]:
    """Let the visitor's browser keep the answer a minute; answer 304 to an unchanged ETag."""
    if request.scope.get("user") is not None:
        return response  # a signed-in page names the person: no-store, as every page
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    response.headers["Cache-Control"] = CACHE
    response.headers["ETag"] = etag
    asked = request.headers.get("if-none-match", "")
    if etag in [tag.strip() for tag in asked.split(",")]:
        response.status_code = 304
        response.content = b""
    return response


def _render(
    request: Request[Any, Any, Any], template: str, view: public.YearView, **ctx: Any
) -> Response[Any]:
    lang = negotiate_language(request)
    response = pages.render(
        request,
        template,
        year=view.year,
        years=view.years,
        readings=view.readings,
        objectives=public.objectives(view, lang),
        fmt=lambda value: labels.number(value, lang),
        labels=labels,
        money=lambda amounts: labels.money(amounts, lang),
        status_word=lambda state: status_word(state, lang),
        status_mark=lambda state: MARKS.get(state, ""),
        reason=lambda item: public_reason(item, lang),
        fewer_than=catalogs.gettext(lang, FEWER_THAN),
        **ctx,
    )
    body = response.content.encode() if isinstance(response.content, str) else b""
    return _cached(request, response, body)


async def _view(runtime: Runtime, year: int | None) -> public.YearView:
    view = await public.year_view(runtime.pool(SCHEMA), year)
    if view is None:
        raise NotFoundException("no indicator data for that year")
    return view


@get("/indicators", include_in_schema=False, security=[{}])
async def programme_table(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> Response[Any]:
    """The programme table for a year: per specific objective, each indicator's unit, base,
    expected value, value for the year and status with its reason."""
    view = await _view(runtime, year)
    async with runtime.pool(SCHEMA).acquire() as conn:
        approved = await programme.approved_years(conn)
    return _render(request, "indicators/public.html", view, approved_years=approved)


def csv_bytes(view: public.YearView, lang: str) -> bytes:
    """The public annual table as CSV: the staff report's columns, withheld cells "<5"."""
    rows = report.rows([item.reading for item in view.readings], lang)
    for row, item in zip(rows, view.readings, strict=True):
        if item.withheld:
            row[8] = f"<{public.domain.SMALL_CELL}"
            row[9] = status_word(public.WITHHELD, lang)
    headers = report.HEADERS.get(lang, report.HEADERS["en"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*headers[:8], f"{headers[8]} {view.year}", headers[9]])
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@get("/indicators/report/{name:str}", include_in_schema=False, security=[{}])
async def annual_report(
    request: Request[Any, Any, Any], runtime: Runtime, name: str
) -> Response[Any]:
    """The annual report for the City Council: `/indicators/report/2025` (printable page) or
    `/indicators/report/2025.csv` (UTF-8 with BOM, in the page's language)."""
    found = REPORT_NAME.match(name)
    if found is None or not 2000 <= int(found.group(1)) <= 2100:
        raise NotFoundException("ask for /indicators/report/<year> or <year>.csv")
    view = await _view(runtime, int(found.group(1)))
    if not found.group(2):
        return _render(request, "indicators/public_report.html", view)
    lang = negotiate_language(request)
    body = csv_bytes(view, lang)
    response: Response[bytes] = Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": (
                f'attachment; filename="openkrakow-indicators-{view.year}-{lang}.csv"'
            ),
            "Content-Language": lang,
            "Vary": "Cookie, Accept-Language",
        },
    )
    return _cached(request, response, body)


route_handlers = [programme_table, annual_report]
