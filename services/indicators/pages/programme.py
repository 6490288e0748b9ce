"""The coordinator's pages of the programme's year (no JavaScript): tasks by objective with
filters, a task with its notes and a form for a dated note and a status, the risk table, the
annual report with the narrative per objective, approval behind a confirmation, the PDF; and
the approved report on the public side."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.indicators import (
    labels,
    programme,
    programme_commands,
    programme_report,
    queries,
    tasks_share,
)
from services.indicators.api.programme import (
    grants_csv_response,
    pdf_response,
    report_document,
    tasks_csv_response,
)
from services.indicators.domain import current_year, today_warsaw
from services.indicators.pages.coordinator import coordinator, pages
from shared.auth import current_user
from shared.refusals import Kind, Refusal, Refused
from shared.runtime import Runtime
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, explain

SCHEMA = "indicators"
catalogs = labels.catalogs
YEAR = Parameter(query="year", default=None, ge=2000, le=2100)


def _words(lang: str) -> dict[str, Any]:
    say = lambda m: catalogs.gettext(lang, m)  # noqa: E731
    return {
        "status_word": lambda s: say(programme.STATUS_WORDS.get(s, s)),
        "cycle_word": lambda c: say(programme.CYCLE_WORDS.get(c, c)),
        "response_word": lambda r: say(programme.RESPONSE_WORDS.get(r, r)),
        "level_word": lambda n: say(programme.LEVEL_WORDS.get(n, str(n))),
        "indicator_status": lambda s: say(labels.STATUSES[s]),
        "status_options": [(s, say(w)) for s, w in programme.STATUS_WORDS.items()],
        "fmt": lambda value: labels.number(value, lang),
    }


async def _objectives(conn: Any, lang: str) -> list[tuple[int, str]]:
    names = {i.objective: i.objective_names for i in await queries.registry(conn)}
    return [(n, names.get(n, {}).get(lang) or names.get(n, {}).get("en", "")) for n in range(1, 7)]


def _number_in(text: str, low: int, high: int) -> int | None:
    """A number typed in a filter field when it is one within [low, high]; else None (any)."""
    text = text.strip()
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def _render(
    request: Request[Any, Any, Any], template: str, status: int = 200, **ctx: Any
) -> Response[str]:
    lang = negotiate_language(request)
    return pages.render(request, template, status, **_words(lang), **ctx)


@get("/programme/tasks", guards=coordinator, include_in_schema=False)
async def tasks_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    year_text: str = Parameter(query="year", default="", max_length=8),
    objective_text: str = Parameter(query="objective", default="", max_length=2),
    status: str = Parameter(
        query="status", default="", pattern="^(planned|in_progress|done|at_risk|dropped)?$"
    ),
    overdue: bool = Parameter(query="overdue", default=False),
) -> Response[str]:
    """The programme's tasks by objective, filtered by year due, objective, status, overdue
    (the filter form's empty fields mean "any"; a year or objective out of range is ignored)."""
    return await _tasks_view(
        request,
        runtime,
        _number_in(year_text, 2000, 2100),
        _number_in(objective_text, 1, 6),
        status,
        overdue,
    )


async def _tasks_view(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    year: int | None,
    objective: int | None,
    status: str,
    overdue: bool,
    new_errors: dict[str, str] | None = None,
    new_values: dict[str, str] | None = None,
) -> Response[str]:
    lang = negotiate_language(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        found = await programme.tasks(conn, year=year, objective=objective, status=status or None)
        shares = (await tasks_share.completed_shares(conn, [year or current_year()]))[
            year or current_year()
        ]
        objectives = await _objectives(conn, lang)
    today = today_warsaw()
    if overdue:
        found = [t for t in found if t.is_overdue(today)]
    groups = [(n, name, [t for t in found if t.objective == n]) for n, name in objectives]
    return _render(
        request,
        "indicators/programme_tasks.html",
        400 if new_errors else 200,
        groups=[g for g in groups if g[2]],
        objectives=objectives,
        shares=shares,
        share_year=year or current_year(),
        today=today,
        filters={"year": year, "objective": objective, "status": status or "", "overdue": overdue},
        count=len(found),
        new_errors=new_errors or {},
        new_values=new_values or {},
        objective_options=[("", "–")] + [(str(n), f"{n}. {name}") for n, name in objectives],
    )


async def _task_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    task_id: int,
    status_code: int = 200,
    **ctx: Any,
) -> Response[str]:
    lang = negotiate_language(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        try:
            found = await programme.task(conn, task_id)
        except Refused as exc:
            raise NotFoundException("no such task") from exc
        objectives = dict(await _objectives(conn, lang))
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {})
    ctx.setdefault("edit_errors", {})
    ctx.setdefault("edit_values", {})
    return _render(
        request,
        "indicators/programme_task.html",
        status_code,
        task=found,
        objective_name=objectives.get(found.objective, ""),
        today=today_warsaw(),
        saved=request.query_params.get("saved"),
        **ctx,
    )


@get("/programme/tasks/{task_id:int}", guards=coordinator, include_in_schema=False)
async def task_page(
    request: Request[Any, Any, Any], runtime: Runtime, task_id: int
) -> Response[str]:
    """One task: its units, deadline, status, every dated note; a form for a note and a status."""
    return await _task_page(request, runtime, task_id)


@post("/programme/tasks/{task_id:int}/notes", guards=coordinator, include_in_schema=False)
async def note_form(
    request: Request[Any, Any, Any], runtime: Runtime, task_id: int
) -> Response[Any]:
    """The task page's form: a dated note, and the task's status when changed."""
    form = await request.form()
    text = str(form.get("text", ""))
    status = str(form.get("status", "")) or None
    user = current_user(request)
    assert user is not None
    try:
        await programme_commands.record_note(runtime, user.subject, task_id, text, status)
    except Refused as exc:
        if exc.kind is not Kind.INVALID:
            raise NotFoundException("no such task") from exc
        lang = negotiate_language(request)
        errors = explain(Speaker(catalogs, lang), exc.refusals, order=("text", "status"))
        return await _task_page(
            request,
            runtime,
            task_id,
            400,
            errors=errors.fields,
            values={"text": text, "status": status or ""},
        )
    return Redirect(f"/programme/tasks/{task_id}?saved=1#notes", status_code=303)


def _deadline(text: str) -> tuple[date | None, bool]:
    """A deadline typed as YYYY-MM-DD (empty: none, a yearly task); (None, False) when wrong."""
    text = text.strip()
    if not text:
        return None, True
    try:
        return date.fromisoformat(text), True
    except ValueError:
        return None, False


def _deadline_refused(lang: str) -> dict[str, str]:
    return {"deadline": catalogs.gettext(lang, DEADLINE_FORMAT)}


DEADLINE_FORMAT = labels.N_("Enter the deadline as a date, e.g. 2028-12-31, or leave it empty.")


@post("/programme/tasks/{task_id:int}", guards=coordinator, include_in_schema=False)
async def edit_form(
    request: Request[Any, Any, Any], runtime: Runtime, task_id: int
) -> Response[Any]:
    """The task page's edit form: titles (pl, en, uk optional), units, deadline (empty: every year)."""
    form = await request.form()
    values = {
        k: str(form.get(k, "")) for k in ("title_pl", "title_en", "title_uk", "units", "deadline")
    }
    lang = negotiate_language(request)
    deadline, readable = _deadline(values["deadline"])
    if not readable:
        return await _task_page(
            request, runtime, task_id, 400, edit_errors=_deadline_refused(lang), edit_values=values
        )
    try:
        await programme_commands.edit_task(
            runtime,
            task_id,
            title_pl=values["title_pl"],
            title_en=values["title_en"],
            title_uk=values["title_uk"],
            units=values["units"],
            deadline=deadline,
        )
    except Refused as exc:
        if exc.kind is not Kind.INVALID:
            raise NotFoundException("no such task") from exc
        errors = explain(Speaker(catalogs, lang), exc.refusals)
        fields = {("title_pl" if k == "title" else k): v for k, v in errors.fields.items()}
        return await _task_page(
            request, runtime, task_id, 400, edit_errors=fields, edit_values=values
        )
    return Redirect(f"/programme/tasks/{task_id}?saved=edit", status_code=303)


@post("/programme/tasks", guards=coordinator, include_in_schema=False)
async def new_task_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """The tasks page's form for a new task under an objective."""
    form = await request.form()
    values = {
        k: str(form.get(k, ""))
        for k in ("objective", "title_pl", "title_en", "title_uk", "units", "deadline")
    }
    lang = negotiate_language(request)
    deadline, readable = _deadline(values["deadline"])
    objective = _number_in(values["objective"], 1, 6) or 0
    try:
        if not readable:
            raise Refused(Kind.INVALID, Refusal("programme.deadline_year", field="deadline"))
        found = await programme_commands.add_task(
            runtime,
            objective=objective,
            title_pl=values["title_pl"],
            title_en=values["title_en"],
            title_uk=values["title_uk"],
            units=values["units"],
            deadline=deadline,
        )
    except Refused as exc:
        errors = explain(Speaker(catalogs, lang), exc.refusals)
        fields = {("title_pl" if k == "title" else k): v for k, v in errors.fields.items()}
        if not readable:
            fields.update(_deadline_refused(lang))
        return await _tasks_view(
            request, runtime, None, None, "", False, new_errors=fields, new_values=values
        )
    return Redirect(f"/programme/tasks/{found.id}?saved=new", status_code=303)


@get("/programme/risks", guards=coordinator, include_in_schema=False)
async def risks_page(
    request: Request[Any, Any, Any], runtime: Runtime, year: int | None = YEAR
) -> Response[str]:
    """The risk table (programme Table 3): raised risks first, each with its indicator."""
    year = year or current_year()
    lang = negotiate_language(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        found = await programme.risks(conn, year)
        objectives = dict(await _objectives(conn, lang))
    return _render(
        request,
        "indicators/programme_risks.html",
        year=year,
        risks=sorted(found, key=lambda r: (not r.raised, r.id)),
        objectives=objectives,
        shown_value=lambda r: programme_report.shown_value(r, lang),
    )


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise NotFoundException("no report for that year")
    return year


async def _report_page(
    request: Request[Any, Any, Any], runtime: Runtime, year: int, status_code: int = 200, **ctx: Any
) -> Response[str]:
    lang = negotiate_language(request)
    async with runtime.pool(SCHEMA).acquire() as conn:
        frozen = await programme.approved(conn, year)
        narratives = await programme.narratives(conn, year)
        objectives = await _objectives(conn, lang)
    ctx.setdefault("errors", {})
    values = ctx.pop("values", None) or {
        f"narrative_{o}_{lg}": narratives.get((o, lg), "")
        for o, _ in objectives
        for lg in ("pl", "en")
    }
    return _render(
        request,
        "indicators/programme_report.html",
        status_code,
        year=year,
        frozen=frozen,
        objectives=objectives,
        values=values,
        saved=request.query_params.get("saved"),
        **ctx,
    )


@get("/programme/report", guards=coordinator, include_in_schema=False)
async def report_of_last_year() -> Redirect:
    """The report being prepared: last year's (due to the Council by 30 April)."""
    return Redirect(f"/programme/report/{current_year() - 1}", status_code=303)


@get("/programme/report/{year:int}", guards=coordinator, include_in_schema=False)
async def report_page(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[str]:
    """The annual report of `year`: the narrative per objective (pl, en), the printable
    document and its PDF, and approval (behind a confirmation)."""
    return await _report_page(request, runtime, _year(year))


@post("/programme/report/{year:int}/narrative", guards=coordinator, include_in_schema=False)
async def narrative_form(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[Any]:
    """Save the narrative of every objective in Polish and English."""
    _year(year)
    form = await request.form()
    texts = {
        (o, lg): str(form.get(f"narrative_{o}_{lg}", ""))
        for o in range(1, 7)
        for lg in programme.REPORT_LANGS
    }
    user = current_user(request)
    assert user is not None
    try:
        await programme_commands.save_narrative(runtime, user.subject, year, texts)
    except Refused as exc:
        lang = negotiate_language(request)
        errors = explain(Speaker(catalogs, lang), exc.refusals)
        values = {f"narrative_{o}_{lg}": t for (o, lg), t in texts.items()}
        return await _report_page(
            request,
            runtime,
            year,
            400 if exc.kind is Kind.INVALID else 409,
            errors=errors.fields,
            form_errors=errors.form,
            values=values,
        )
    return Redirect(f"/programme/report/{year}?saved=narrative", status_code=303)


@get("/programme/report/{year:int}/approve", guards=coordinator, include_in_schema=False)
async def approve_confirmation(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[str]:
    """Are you sure? Approval freezes the report and publishes it."""
    _year(year)
    async with runtime.pool(SCHEMA).acquire() as conn:
        frozen = await programme.approved(conn, year)
    return _render(request, "indicators/programme_approve.html", year=year, frozen=frozen)


@post("/programme/report/{year:int}/approve", guards=coordinator, include_in_schema=False)
async def approve(request: Request[Any, Any, Any], runtime: Runtime, year: int) -> Response[Any]:
    """Approve: the report is frozen and published on /indicators (409 page when it already is)."""
    _year(year)
    form = await request.form()
    if form.get("confirm") != "yes":
        return Redirect(f"/programme/report/{year}/approve", status_code=303)
    user = current_user(request)
    assert user is not None
    try:
        await programme_commands.approve_report(runtime, user.subject, year)
    except Refused:
        return await _report_page(request, runtime, year, 409)
    return Redirect(f"/programme/report/{year}?saved=approved", status_code=303)


@get("/programme/report/{year:int}/print", guards=coordinator, include_in_schema=False)
async def report_document_page(
    runtime: Runtime,
    year: int,
    lang: str = Parameter(query="lang", default="pl", pattern="^(pl|en)$"),
) -> Response[Any]:
    """The printable document for the signed-in page (the API serves it to bearer tokens)."""
    html = await report_document(runtime, _year(year), lang)
    return Response(html, media_type="text/html; charset=utf-8", headers={"Content-Language": lang})


@get("/programme/report/{year:int}/pdf", guards=coordinator, include_in_schema=False)
async def report_pdf_page(
    runtime: Runtime,
    year: int,
    lang: str = Parameter(query="lang", default="pl", pattern="^(pl|en)$"),
) -> Response[Any]:
    """The document as PDF (WeasyPrint) for the signed-in page; 503 when it cannot render."""
    return pdf_response(await report_document(runtime, _year(year), lang), year)


@get("/programme/report/{year:int}/tasks.csv", guards=coordinator, include_in_schema=False)
async def report_tasks_csv_page(
    runtime: Runtime,
    year: int,
    lang: str = Parameter(query="lang", default="pl", pattern="^(pl|en)$"),
) -> Response[Any]:
    """The report's table of tasks as CSV for the signed-in page."""
    return await tasks_csv_response(runtime, _year(year), lang)


@get("/programme/report/{year:int}/grants.csv", guards=coordinator, include_in_schema=False)
async def report_grants_csv_page(
    runtime: Runtime,
    year: int,
    lang: str = Parameter(query="lang", default="pl", pattern="^(pl|en)$"),
) -> Response[Any]:
    """The report's table of grants awarded per specific objective as CSV for the signed-in page."""
    return await grants_csv_response(runtime, _year(year), lang)


@get("/indicators/programme-report/{year:int}", include_in_schema=False, security=[{}])
async def published_report(
    request: Request[Any, Any, Any], runtime: Runtime, year: int
) -> Response[str]:
    """The approved report as published (anyone): figures of 1-4 residents withheld."""
    lang = "pl" if negotiate_language(request) == "pl" else "en"
    async with runtime.pool(SCHEMA).acquire() as conn:
        frozen = await programme.approved(conn, year) if 2000 <= year <= 2100 else None
    if frozen is None:
        raise NotFoundException("no approved report for that year")
    return Response(
        str(frozen[f"public_{lang}"]),
        media_type="text/html; charset=utf-8",
        headers={"Content-Language": lang, "Cache-Control": "public, max-age=300"},
    )


route_handlers = [
    tasks_page,
    task_page,
    edit_form,
    new_task_form,
    note_form,
    risks_page,
    report_of_last_year,
    report_page,
    narrative_form,
    approve_confirmation,
    approve,
    report_document_page,
    report_pdf_page,
    report_tasks_csv_page,
    report_grants_csv_page,
    published_report,
]
