"""The coordinator's registry of the city's departments (issue 16; pl/en/uk, no JavaScript):
the list, the form to add one and the form to change one. Each POST calls
`commands.departments` (`create`, `change` — the same as `POST /api/bench/departments`); a
refusal re-shows the form with what was typed and each message where it belongs, a success
redirects (303) to the list saying what was done."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from litestar.response import Redirect

from services.participation.bench import store_departments as sd
from services.participation.bench import store_responders as sr
from services.participation.bench.commands import SCHEMA, departments
from services.participation.bench.pages.forms import COORDINATOR, convert, explained, render, t
from services.participation.bench.pages.public import page_error
from services.participation.bench.schemas import DepartmentIn
from shared.events.catalogue import TOPICS
from shared.refusals import Refused
from shared.runtime import Runtime
from shared.web.forms import N_, user_of

FIELDS = ("name", "email", "head_email", "topics", "responders", "reminder_days")
MESSAGES = {
    "email": N_("Enter an e-mail address like name@krakow.pl."),
    "head_email": N_("Enter an e-mail address like name@krakow.pl."),
    "reminder_days": N_("Enter a whole number of days from 0 to 60."),
}
NAME_MESSAGE = N_("Enter the department's name: %(min)s to %(max)s characters.")


async def _page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int = 200,
    *,
    editing: Any = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    done: str = "",
    name: str = "",
) -> Response[str]:
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = [departments.view(r) for r in await sd.list_all(conn)]
        responders = await sr.list_all(conn, active_only=True)
    names = {r["id"]: r["name"] for r in responders}
    return render(
        request,
        "bench/staff/departments.html",
        status_code,
        departments=rows,
        responders=responders,
        responder_names=names,
        topics=TOPICS,
        editing=editing,
        errors=errors or {},
        values=values or {"reminder_days": "3", "topics": [], "responders": []},
        done=done,
        name=name,
    )


@get("/bench/staff/departments", guards=COORDINATOR, include_in_schema=False)
async def departments_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
    name: str = Parameter(query="name", default="", max_length=200),
) -> Response[str]:
    """The departments and the form to add one."""
    return await _page(request, runtime, done=done, name=name)


@get("/bench/staff/departments/{department_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def department_page(
    request: Request[Any, Any, Any], department_id: uuid.UUID, runtime: Runtime
) -> Response[str]:
    """A department's form, filled with what is stored."""
    department = await _department_or_404(runtime, department_id)
    values: dict[str, Any] = {
        "name": department.name["pl"],
        **{f"name__{k}": v for k, v in department.name.items() if k != "pl"},
        "email": department.email,
        "head_email": department.head_email,
        "topics": department.topics,
        "responders": [str(r) for r in department.responders],
        "reminder_days": str(department.reminder_days),
        "review_required": "yes" if department.review_required else "",
    }
    return await _page(request, runtime, editing=department, values=values)


async def _department_or_404(runtime: Runtime, department_id: uuid.UUID) -> Any:
    async with runtime.pool(SCHEMA).acquire() as conn:
        row = await sd.get(conn, department_id)
    if row is None:
        raise NotFoundException(f"no department {department_id}")
    return departments.view(row)


async def _read(request: Request[Any, Any, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The form's values (as typed) and the API's body made of them."""
    form = await request.form()
    values: dict[str, Any] = {
        key: str(form.get(key, ""))
        for key in ("name", "name__en", "name__uk", "email", "head_email", "reminder_days")
    }
    values["review_required"] = str(form.get("review_required", ""))
    values["topics"] = [str(v) for v in form.getall("topics", [])]
    values["responders"] = [str(v) for v in form.getall("responders", [])]
    days = values["reminder_days"].strip()
    body: dict[str, Any] = {
        "name": {
            "pl": values["name"].strip(),
            **{
                k: values[f"name__{k}"].strip()
                for k in ("en", "uk")
                if values[f"name__{k}"].strip()
            },
        },
        "email": values["email"].strip(),
        "head_email": values["head_email"].strip(),
        "topics": values["topics"],
        "responders": values["responders"],
        "reminder_days": int(days) if days.isdigit() else days,
        "review_required": values["review_required"] == "yes",
    }
    return values, body


async def _save(
    request: Request[Any, Any, Any], runtime: Runtime, department_id: uuid.UUID | None
) -> Response[Any]:
    editing = await _department_or_404(runtime, department_id) if department_id else None
    values, body = await _read(request)
    name_errors = {
        field: t(request, NAME_MESSAGE, min=2, max=200)
        for field, text in (("name", body["name"]["pl"]),)
        + tuple((f"name__{k}", v) for k, v in body["name"].items() if k != "pl")
        if not 2 <= len(text) <= 200
    }
    bad_topics = [t for t in body["topics"] if t not in TOPICS]
    bad_ids = [r for r in body["responders"] if not _is_uuid(r)]
    if bad_topics or bad_ids:
        return Response("unknown topic or responder", status_code=400)
    data, errors = convert(request, DepartmentIn, body, MESSAGES)
    errors = {**name_errors, **errors}
    status_code = 400
    if data is not None and not errors:
        try:
            if department_id is None:
                saved = await departments.create(runtime, data, by=user_of(request).subject)
            else:
                saved = await departments.change(runtime, department_id, data)
        except Refused as exc:
            if int(exc.kind) != 422:
                raise page_error(exc) from exc
            status_code = 422
            errors = explained(request, exc, anchor="name", order=FIELDS)
        else:
            done = "added" if department_id is None else "changed"
            query = urlencode({"done": done, "name": saved.name["pl"]})
            return Redirect(f"/bench/staff/departments?{query}#done", status_code=303)
    return await _page(request, runtime, status_code, editing=editing, errors=errors, values=values)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@post("/bench/staff/departments", guards=COORDINATOR, include_in_schema=False)
async def add_department_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """A new department: `commands.departments.create`."""
    return await _save(request, runtime, None)


@post("/bench/staff/departments/{department_id:uuid}", guards=COORDINATOR, include_in_schema=False)
async def change_department_form(
    request: Request[Any, Any, Any], department_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """A department changed: `commands.departments.change`."""
    return await _save(request, runtime, department_id)


@get("/bench/staff/departments/statistics", guards=COORDINATOR, include_in_schema=False)
async def statistics_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    year: int | None = Parameter(query="year", default=None, ge=2000, le=2100),
) -> Response[str]:
    """Per department: questions received, answered, answered on time, median days to answer."""
    async with runtime.pool(SCHEMA).acquire() as conn:
        rows = await sd.statistics(conn, year)
    return render(request, "bench/staff/department_statistics.html", rows=rows, year=year or "")


route_handlers = [
    statistics_page,
    departments_page,
    department_page,
    add_department_form,
    change_department_form,
]
