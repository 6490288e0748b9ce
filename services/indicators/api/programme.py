"""HTTP API of the programme's year for the coordinator (contract.md, "The programme's year,
publications, incidents"): tasks and their notes, the risk table, the annual report (HTML, PDF)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from msgspec import Meta

from services.indicators import programme, programme_commands, programme_report, tasks_share
from services.indicators.domain import current_year
from shared.auth import current_user, requires
from shared.runtime import Runtime

SCHEMA = "indicators"
TAGS = ["programme"]
Status = Annotated[str, Meta(pattern="^(planned|in_progress|done|at_risk|dropped)$")]


class NoteView(msgspec.Struct):
    id: int
    written_on: date
    text: str
    status: str | None
    author: str
    created_at: datetime


class TaskView(msgspec.Struct, kw_only=True):
    id: int
    objective: int
    number: int
    title: str
    title_pl: str
    title_en: str
    title_uk: str | None  # None: not translated yet (`title` is then the Polish one)
    units: str
    cycle: str
    deadline: date | None
    status: str
    overdue: bool
    notes: list[NoteView] = []


class TasksView(msgspec.Struct):
    year: int | None
    tasks: list[TaskView]
    completed_share: dict[str, float | None]
    """`programme.tasks_completed_share` of `year` per objective ("1".."6") and "all"."""


class TaskIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    objective: Annotated[int, Meta(ge=1, le=6)]
    title: Annotated[str, Meta(min_length=1, max_length=500)]
    title_en: Annotated[str, Meta(max_length=500)] = ""
    title_uk: Annotated[str, Meta(max_length=500)] = ""
    units: Annotated[str, Meta(min_length=1, max_length=500)]
    deadline: date | None = None
    status: Status = "planned"


class NoteIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=4000)]
    status: Status | None = None


class RiskView(msgspec.Struct, kw_only=True):
    id: int
    objective: int
    name: str
    rating: int
    likelihood: int
    impact: int
    response: str
    measure: str
    indicator_id: str | None
    threshold: float | None
    indicator_value: float | None
    indicator_status: str | None
    raised: bool


class RisksView(msgspec.Struct):
    year: int
    risks: list[RiskView]


def task_view(t: programme.Task, lang: str) -> TaskView:
    return TaskView(
        id=t.id,
        objective=t.objective,
        number=t.number,
        title=t.title(lang),
        title_pl=t.titles["pl"] or "",
        title_en=t.titles["en"] or "",
        title_uk=t.titles.get("uk"),
        units=t.units,
        cycle=t.cycle,
        deadline=t.deadline,
        status=t.status,
        overdue=t.is_overdue(),
        notes=[NoteView(**n.__dict__) for n in t.notes],
    )


LANG = Parameter(query="lang", default="en", pattern="^(pl|en|uk)$")


@get("/api/programme/tasks", guards=[requires("coordinator")], tags=TAGS)
async def list_tasks(
    runtime: Runtime,
    year: int | None = Parameter(query="year", default=None, ge=2000, le=2100),
    lang: str = LANG,
) -> TasksView:
    """The programme's tasks in its order (objective, number) with their notes; with `year`,
    only those due that year (a yearly task every year, a task with a deadline in its year)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        found = await programme.tasks(conn, year=year, with_notes=True)
        shares = (await tasks_share.completed_shares(conn, [year or current_year()]))[
            year or current_year()
        ]
    return TasksView(
        year=year,
        tasks=[task_view(t, lang) for t in found],
        completed_share={
            ("all" if k is None else str(k)): (None if v is None else float(v))
            for k, v in shares.items()
        },
    )


@post("/api/programme/tasks", guards=[requires("coordinator")], tags=TAGS, status_code=201)
async def add_task(runtime: Runtime, data: TaskIn) -> TaskView:
    """Add a task under an objective (`title` in Polish, `title_en` optional); with `deadline`
    it is due by then, without it every year. Emits `indicators.task_added`."""
    found = await programme_commands.add_task(
        runtime,
        objective=data.objective,
        title_pl=data.title,
        title_en=data.title_en,
        title_uk=data.title_uk,
        units=data.units,
        deadline=data.deadline,
        status=data.status,
    )
    return task_view(found, "pl")


@post(
    "/api/programme/tasks/{task_id:int}/notes",
    guards=[requires("coordinator")],
    tags=TAGS,
    status_code=201,
)
async def add_note(
    request: Request[Any, Any, Any], runtime: Runtime, task_id: int, data: NoteIn
) -> NoteView:
    """A dated progress note (today, Europe/Warsaw); with `status` the task takes that status.
    Emits `indicators.task_note_recorded` (and `indicators.task_status_changed`)."""
    user = current_user(request)
    assert user is not None
    note = await programme_commands.record_note(
        runtime, user.subject, task_id, data.text, data.status
    )
    return NoteView(**note.__dict__)


@get("/api/programme/risks", guards=[requires("coordinator")], tags=TAGS)
async def list_risks(
    runtime: Runtime,
    year: int | None = Parameter(query="year", default=None, ge=2000, le=2100),
    lang: str = LANG,
) -> RisksView:
    """The programme's risk table (Table 3); a risk tied to an indicator is `raised` while the
    indicator is behind its path for `year` (default: this year) or under the risk's threshold."""
    year = year or current_year()
    async with runtime.pool(SCHEMA).acquire() as conn:
        found = await programme.risks(conn, year)
    return RisksView(
        year,
        [
            RiskView(
                id=r.id,
                objective=r.objective,
                name=r.name(lang),
                rating=r.rating,
                likelihood=r.likelihood,
                impact=r.impact,
                response=r.response,
                measure=r.measure(lang),
                indicator_id=r.indicator_id,
                threshold=None if r.threshold is None else float(r.threshold),
                indicator_value=None
                if r.reading is None or r.reading.value is None
                else float(r.reading.value),
                indicator_status=None if r.reading is None else r.reading.status,
                raised=r.raised,
            )
            for r in found
        ],
    )


async def report_document(runtime: Runtime, year: int, lang: str) -> str:
    """The report's document: the frozen one once approved, else assembled now."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        frozen = await programme.approved(conn, year)
        if frozen is not None:
            return str(frozen["html_pl" if lang == "pl" else "html_en"])
        content = await programme_report.assemble(conn, year)
    return programme_report.document(content, lang)


def pdf_response(html: str, year: int) -> Response[Any]:
    """The document as a PDF, or 503 naming what to install when WeasyPrint cannot run."""
    try:
        body = programme_report.pdf(html)
    except programme_report.PdfUnavailable as exc:
        return Response(
            {"title": "PDF rendering is not available", "status": 503, "detail": str(exc)},
            status_code=503,
            media_type="application/problem+json",
        )
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="openkrakow-report-{year}.pdf"'},
    )


def parse_name(name: str) -> tuple[int, str]:
    """`2025`, `2025.pdf`, `2025.csv` or `2025.grants.csv` → (year, "" / "pdf" / "csv" /
    "grants.csv"); anything else is not found."""
    stem, dot, ext = name.partition(".")
    if (
        not stem.isdigit()
        or not 2000 <= int(stem) <= 2100
        or (dot and ext not in ("pdf", "csv", "grants.csv"))
    ):
        raise NotFoundException(
            "ask for /api/programme/report/<year>, <year>.pdf, <year>.csv or <year>.grants.csv"
        )
    return int(stem), ext


async def tasks_csv_response(runtime: Runtime, year: int, lang: str) -> Response[bytes]:
    """The report's table of tasks as CSV (the indicators' table: /api/indicators/report/Y.csv)."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        content = await programme_report.assemble(conn, year)
    return Response(
        programme_report.tasks_csv(content, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="openkrakow-tasks-{year}.csv"'},
    )


async def grants_csv_response(runtime: Runtime, year: int, lang: str) -> Response[bytes]:
    """The report's table of grants awarded per specific objective as CSV."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        content = {"grants": await programme_report.grants_per_objective(conn, year)}
    return Response(
        programme_report.grants_csv(content, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="openkrakow-grants-{year}.csv"'},
    )


@get(
    "/api/programme/report/{name:str}",
    guards=[requires("coordinator")],
    tags=TAGS,
    media_type="text/html",
)
async def annual_report(
    runtime: Runtime,
    name: str,
    lang: str = Parameter(query="lang", default="pl", pattern="^(pl|en)$"),
) -> Response[Any]:
    """The annual report for `year` (`/api/programme/report/2025`) as printable HTML, or as
    PDF (`2025.pdf`); Polish by default, `lang=en` in English. Once approved, the frozen text.
    `2025.csv`: its table of tasks (status and the year's notes) as CSV, as they stand now;
    `2025.grants.csv`: its table of grants awarded per specific objective as CSV."""
    year, ext = parse_name(name)
    if ext == "grants.csv":
        return await grants_csv_response(runtime, year, lang)
    if ext == "csv":
        return await tasks_csv_response(runtime, year, lang)
    html = await report_document(runtime, year, lang)
    if ext == "pdf":
        return pdf_response(html, year)
    return Response(html, media_type="text/html; charset=utf-8", headers={"Content-Language": lang})


route_handlers = [list_tasks, add_task, add_note, list_risks, annual_report]
