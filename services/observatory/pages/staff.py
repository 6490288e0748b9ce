"""The coordinator's pages (pl/en/uk, no JavaScript): `/observatory/staff` lists every
publication (withdrawn ones marked); a form adds one — kind, topic, objective, the day, the
title and the summary in Polish with their English and Ukrainian versions (machine drafts with
`TRANSLATION_URL`), the document as a PDF of at most 20 MiB or an address —; the same form
changes it, and a confirmation box withdraws it. Each form calls the command the API calls.

The two forms that take a file accept bodies of up to 21 MiB (`domain.UPLOAD_MAX_BODY`); every
other route keeps the platform's 1 MiB.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect

from services.observatory import domain, queries
from services.observatory.commands import publications
from services.observatory.commands.publications import Upload
from services.observatory.i18n import catalogs
from services.observatory.pages import error_page, pages
from services.observatory.schemas import PublicationIn
from shared import content
from shared.auth import requires
from shared.refusals import Kind, Refused
from shared.runtime import Runtime
from shared.web.forms import N_, translate, user_of
from shared.web.i18n import negotiate_language
from shared.web.refusals import Speaker, as_field, explain, page_status

STAFF = [requires("coordinator")]
HOME = "/observatory/staff"
DONE = ("added", "saved", "withdrawn")
FIELDS = (
    "kind",
    "topic",
    "objective",
    "published_on",
    "title",
    *content.field_names("title"),
    "summary",
    *content.field_names("summary"),
    "document",
    "document_url",
    "confirm",
)
TEXT_FIELDS = tuple(f for f in FIELDS if f not in ("document", "confirm"))
MESSAGES = {
    "published_on": N_("Enter the day of publication, from 2000 to today, e.g. 2026-03-31."),
    "objective": N_("Choose the programme's specific objective, 1 to 6."),
    "confirm": N_("Tick the box to confirm the withdrawal."),
}
# Where the command's refusals are said on the form.
NAMES = {"title_i18n": "title__en", "summary_i18n": "summary__en"}


def t(request: Request[Any, Any, Any], message: str, **values: Any) -> str:
    return translate(catalogs, request, message, **values)


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Response[str]:
    return pages.render(request, template, status_code, user=user_of(request), **context)


def done_of(done: str) -> str:
    return done if done in DONE else ""


@get(HOME, guards=STAFF, include_in_schema=False)
async def staff_home(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """Every publication, newest first, withdrawn ones marked; the way to a new one."""
    rows, _ = await queries.search(runtime, limit=500, public=False)
    return render(request, "observatory/staff/index.html", publications=rows, done=done_of(done))


def form_page(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    status_code: int = 200,
    *,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    publication: Any = None,
    drafts: dict[str, str] | None = None,
    withdraw_errors: dict[str, str] | None = None,
) -> Response[str]:
    return render(
        request,
        "observatory/staff/form.html",
        status_code,
        publication=publication,
        values=values,
        errors=errors or {},
        withdraw_errors=withdraw_errors or {},
        drafts=drafts or {},
        drafts_available=content.drafts_available(runtime.settings),
        **options(request),
    )


def options(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The form's choices in the page's language, and the largest PDF."""
    return {
        "kind_options": [(k, t(request, v)) for k, v in domain.KINDS.items()],
        "topic_options": [(k, t(request, v)) for k, v in domain.TOPICS.items()],
        "objective_options": [
            (str(n), t(request, N_("Specific objective %(n)s"), n=n)) for n in range(1, 7)
        ],
        "max_mib": domain.DOCUMENT_MAX_BYTES // (1024 * 1024),
    }


def values_of(row: Any) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "topic": row["topic"],
        "objective": str(row["objective"]),
        "published_on": row["published_on"].isoformat(),
        "title": row["title"],
        "summary": row["summary"],
        "document_url": row["document_url"] or "",
        **content.form_values("title", row["title_i18n"]),
        **content.form_values("summary", row["summary_i18n"]),
    }


async def read_form(
    request: Request[Any, Any, Any],
) -> tuple[dict[str, Any], Upload | None, dict[str, str]]:
    """The form's text fields, the PDF chosen (None when no file was chosen), and the fields
    that cannot even be read (the day, the objective)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for name in (*TEXT_FIELDS, "_action", "remove_document", "confirm"):
        raw = form.get(name)
        if isinstance(raw, str):
            values[name] = raw.strip()
    upload = None
    raw = form.get("document")
    if isinstance(raw, UploadFile) and raw.filename:
        data = await raw.read()
        if data:
            upload = Upload(raw.filename, data)
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(values.get("published_on", ""))
        values["_day"] = day
    except ValueError:
        errors["published_on"] = t(request, MESSAGES["published_on"])
    objective = values.get("objective", "")
    if not (objective.isdigit() and 1 <= int(objective) <= 6):
        errors["objective"] = t(request, MESSAGES["objective"])
    return values, upload, errors


def body_of(values: dict[str, Any]) -> PublicationIn:
    """The form as the API's body; the command checks every rule."""
    title_i18n, _ = content.from_form(values, "title", "pl", 100_000)
    summary_i18n, _ = content.from_form(values, "summary", "pl", 100_000)
    return PublicationIn(
        kind=values.get("kind", ""),  # type: ignore[arg-type]
        topic=values.get("topic", ""),  # type: ignore[arg-type]
        objective=int(values["objective"]),
        published_on=values["_day"],
        title=values.get("title", ""),
        summary=values.get("summary", ""),
        title_i18n=title_i18n,  # type: ignore[arg-type]
        summary_i18n=summary_i18n,  # type: ignore[arg-type]
        document_url=values.get("document_url") or None,
    )


def refused_errors(request: Request[Any, Any, Any], exc: Refused) -> dict[str, str]:
    speaker = Speaker(catalogs, negotiate_language(request))
    found = explain(speaker, exc.refusals, as_field(NAMES), FIELDS)
    errors = dict(found.fields)
    if found.form:
        errors["kind"] = " ".join(found.form)
    return errors


async def drafts_for(runtime: Runtime, values: dict[str, Any]) -> dict[str, str]:
    originals = {"title": values.get("title", ""), "summary": values.get("summary", "")}
    return await content.drafts(runtime.settings, originals, "pl", values)


@get(f"{HOME}/new", guards=STAFF, include_in_schema=False)
async def new_page(request: Request[Any, Any, Any], runtime: Runtime) -> Response[str]:
    """The form of a new publication."""
    values = {"published_on": publications.today().isoformat(), "kind": "report"}
    return form_page(request, runtime, values=values)


@post(
    f"{HOME}/publications",
    guards=STAFF,
    include_in_schema=False,
    request_max_body_size=domain.UPLOAD_MAX_BODY,
)
async def add_form(request: Request[Any, Any, Any], runtime: Runtime) -> Response[Any]:
    """Publish what the form holds (`commands.publications.add`)."""
    values, upload, errors = await read_form(request)
    if values.get("_action") == "draft":
        drafts = await drafts_for(runtime, values)
        return form_page(request, runtime, values=values, drafts=drafts)
    if not errors:
        try:
            added = await publications.add(
                runtime, user_of(request).subject, body_of(values), upload
            )
        except Refused as exc:
            errors = refused_errors(request, exc)
            return form_page(request, runtime, page_status(exc), values=values, errors=errors)
        return Redirect(f"{HOME}/publications/{added.id}?done=added#done", status_code=303)  # type: ignore[union-attr]
    return form_page(request, runtime, 400, values=values, errors=errors)


async def _publication(runtime: Runtime, publication_id: uuid.UUID) -> Any:
    with error_page():
        return await queries.publication(runtime, publication_id, public=False)


@get(f"{HOME}/publications/{{publication_id:uuid}}", guards=STAFF, include_in_schema=False)
async def edit_page(
    request: Request[Any, Any, Any],
    publication_id: uuid.UUID,
    runtime: Runtime,
    done: str = Parameter(query="done", default="", max_length=20),
) -> Response[str]:
    """A publication's form, filled in, and its withdrawal."""
    row = await _publication(runtime, publication_id)
    return render(
        request,
        "observatory/staff/form.html",
        publication=row,
        values=values_of(row),
        errors={},
        withdraw_errors={},
        drafts={},
        drafts_available=content.drafts_available(runtime.settings),
        **options(request),
        done=done_of(done),
    )


@post(
    f"{HOME}/publications/{{publication_id:uuid}}",
    guards=STAFF,
    include_in_schema=False,
    request_max_body_size=domain.UPLOAD_MAX_BODY,
)
async def edit_form(
    request: Request[Any, Any, Any], publication_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Save the changes (`commands.publications.update`); 409 once withdrawn."""
    row = await _publication(runtime, publication_id)
    values, upload, errors = await read_form(request)
    if values.get("_action") == "draft":
        drafts = await drafts_for(runtime, values)
        return form_page(request, runtime, values=values, publication=row, drafts=drafts)
    if not errors:
        try:
            await publications.update(
                runtime,
                user_of(request).subject,
                publication_id,
                body_of(values),
                upload,
                remove_document=values.get("remove_document") == "yes",
            )
        except Refused as exc:
            if exc.kind == Kind.NOT_FOUND:
                with error_page():
                    raise
            errors = refused_errors(request, exc)
            return form_page(
                request, runtime, page_status(exc), values=values, errors=errors, publication=row
            )
        return Redirect(f"{HOME}/publications/{publication_id}?done=saved#done", status_code=303)
    return form_page(request, runtime, 400, values=values, errors=errors, publication=row)


@post(
    f"{HOME}/publications/{{publication_id:uuid}}/withdraw", guards=STAFF, include_in_schema=False
)
async def withdraw_form(
    request: Request[Any, Any, Any], publication_id: uuid.UUID, runtime: Runtime
) -> Response[Any]:
    """Withdraw the publication once the box is ticked (`commands.publications.withdraw`)."""
    row = await _publication(runtime, publication_id)
    form = await request.form()
    if form.get("confirm") != "yes":
        errors = {"confirm": t(request, MESSAGES["confirm"])}
        return form_page(
            request, runtime, 400, values=values_of(row), withdraw_errors=errors, publication=row
        )
    with error_page():
        await publications.withdraw(runtime, user_of(request).subject, publication_id)
    return Redirect(f"{HOME}?done=withdrawn#done", status_code=303)


route_handlers = [staff_home, new_page, add_form, edit_page, edit_form, withdraw_form]
